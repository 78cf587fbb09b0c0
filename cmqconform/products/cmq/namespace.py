"""An account's namespace and the listing helpers both resource kinds share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.products.cmq.queues import Queue
from cmqconform.products.cmq.records import Page
from cmqconform.products.cmq.topics import Topic


@dataclass(slots=True)
class Account:
    """One account's isolated queues, topics and recently released names."""

    queues: dict[str, Queue] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    #: (kind, lower-case name) -> time until which a deleted name stays reserved.
    released: dict[tuple[str, str], float] = field(default_factory=dict)


def page_of(items: list[dict[str, Any]], offset: int, limit: int | None,
            mutants: Mutants = NO_MUTANTS) -> Page:
    """Slice ``items`` by Offset/Limit (no limit = to the end), keeping the total."""
    if mutants.active("offset-ignored"):
        offset = 0
    end = None if limit is None else offset + limit
    page = tuple(items[offset:end])
    return Page(total=len(page) if mutants.active("total-count-is-page-length") else len(items),
                items=page)


def listed(names: Iterable[str], search_word: str | None,
           exact: Sequence[str] | None) -> list[str]:
    """Names containing ``search_word`` (ignoring case) and, if ``exact``, among those names."""
    wanted = {n.lower() for n in exact} if exact else None
    word = search_word.lower() if search_word else None
    return [n for n in names
            if (wanted is None or n.lower() in wanted) and (word is None or word in n.lower())]

