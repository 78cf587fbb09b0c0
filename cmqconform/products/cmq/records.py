"""Frozen records the state hands to the HTTP layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message as one receive returns it (times are Unix seconds)."""

    msg_id: str
    receipt_handle: str
    body: str
    enqueue_time: int
    first_dequeue_time: int
    next_visible_time: int
    dequeue_count: int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: the total before paging and the items of this page."""

    total: int
    items: tuple[Mapping[str, Any], ...]
