"""The records of a mutant catalog, shared by every product's emulator and ``cmqconform mutate``.

A product's catalog (``MUTANTS`` of its package, or the spec-driven mock's) is a mapping of
:class:`Mutant` by name; each mutant names the :class:`Category` whose test selection
``cmqconform mutate`` runs against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Category:
    """A family of mutants and the tests relevant to it (the mutate fast path)."""

    name: str
    title: str
    select: tuple[str, ...]
    #: Extra ``cmqconform serve`` options the selected tests need (throttling needs a limit).
    serve: tuple[str, ...] = ()
    #: ``declared_limits`` of the target the selected tests read (with ``serve`` only).
    declared_limits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mutant:
    """One named deviation of an emulator."""

    name: str
    category: str
    description: str
    #: Clause ids (specs/) the deviation violates.
    clauses: tuple[str, ...]
    #: Why no test can tell it apart from the reference; None for a countable mutant.
    equivalent: str | None = None
