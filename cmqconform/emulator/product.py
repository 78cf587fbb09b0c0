"""What the gateway needs from a product: the seam between the HTTP pipeline and its semantics.

The gateway (:mod:`cmqconform.emulator.app`) reads, authenticates, validates and answers
requests the same way for every product; what an action *does* belongs to the product. A product
hands the gateway a :class:`ProductEmulator`: a backend whose background work follows the app's
lifespan, and an action-handler table per surface id. A product package under
:mod:`cmqconform.products` builds one from the specs, the mutants to run with and the server's
clock; the gateway asks for it by product id through :func:`build_product`, never importing a
product itself. For example, a product with one surface and no background work::

    @dataclass(frozen=True, slots=True)
    class TdmqEmulator:
        backend: Store
        handlers: Mapping[str, Mapping[str, Handler]]   # {"tdmq.v3": v3.HANDLERS}
        mutants: Mutants
        product_id: str = "tdmq"
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.handlers import Handler
from cmqconform.models import SpecSet

#: The product id ``cmqconform serve`` and the embedded target run when none is named.
DEFAULT_PRODUCT = "cmq"
#: The registry module (:func:`cmqconform.products.product_emulator`), imported by name so the
#: gateway never depends on a product package statically.
REGISTRY = "cmqconform.products"


@dataclass(frozen=True, slots=True)
class Mutants:
    """The deliberate deviations one emulator runs with; empty for the reference emulator.

    Hook points ask ``mutants.active(NAME)``; the names are checked against the product's
    catalog where the product is chosen (:func:`cmqconform.products.product_emulator`).
    """

    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str | None] = ()) -> Mutants:
        """The record of ``names`` (None entries, an absent ``--mutant``, are skipped)."""
        return cls(frozenset(name for name in names if name))

    def active(self, name: str) -> bool:
        """Whether the mutant ``name`` is switched on."""
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __str__(self) -> str:
        return ", ".join(sorted(self.names))


#: The reference emulator: no mutant switched on.
NO_MUTANTS = Mutants()


class Lifecycle(Protocol):
    """Background work that runs while the app serves (expiry sweeps, push delivery)."""

    async def start(self) -> None:
        """Start on the running event loop (the app's lifespan startup)."""
        ...

    async def aclose(self) -> None:
        """Stop and release everything (the app's lifespan shutdown)."""
        ...


class ProductEmulator(Protocol):
    """A product's semantics as the gateway drives them.

    ``handlers`` maps each surface id the product serves (``<product>.<surface>``) to its
    action handlers by action name; each handler receives a
    :class:`~cmqconform.emulator.handlers.Context` whose ``backend`` is this ``backend`` and
    whose ``mutants`` is this ``mutants``.
    """

    @property
    def product_id(self) -> str:
        """The product's id, its folder under ``specs/`` (``cmq``)."""
        ...

    @property
    def backend(self) -> Lifecycle:
        """The product's state, started and stopped with the app."""
        ...

    @property
    def handlers(self) -> Mapping[str, Mapping[str, Handler]]:
        """Surface id -> action name -> handler."""
        ...

    @property
    def mutants(self) -> Mutants:
        """The deviations this emulator runs with (the gateway's hooks read them too)."""
        ...


def build_product(product_id: str, specs: SpecSet, *, mutants: Mutants = NO_MUTANTS,
                  clock: ServerClock | None = None, **options: Any) -> ProductEmulator:
    """The product emulator registered as ``product_id`` (see :mod:`cmqconform.products`)."""
    registry = importlib.import_module(REGISTRY)
    product: ProductEmulator = registry.product_emulator(product_id, specs, mutants=mutants,
                                                         clock=clock, **options)
    return product
