"""Topics and their subscriptions (the state Backend keeps under its lock)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Subscription:
    """A subscription: where and how a topic's matching messages are delivered."""

    subscription_id: str
    name: str
    attributes: dict[str, Any]
    #: HTTP pushes submitted and not yet finished (its msgCount).
    pending: int = 0

    @property
    def filter_tags(self) -> list[str]:
        """The subscription's filterTag list (empty = no filter)."""
        return list(self.attributes.get("filterTag") or ())

    @property
    def binding_keys(self) -> list[str]:
        """The subscription's bindingKey list."""
        return list(self.attributes.get("bindingKey") or ())


@dataclass(slots=True)
class Topic:
    """A topic's attributes, subscriptions (insertion-ordered) and recent publish times."""

    topic_id: str
    name: str
    attributes: dict[str, Any]
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    published: deque[float] = field(default_factory=deque)

    def msg_count(self, now: float) -> int:
        """Messages published within the topic's retention (its msgCount)."""
        retention = float(self.attributes.get("msgRetentionSeconds") or 0)
        while self.published and self.published[0] + retention <= now:
            self.published.popleft()
        return len(self.published)
