"""One queue's messages: Active, Inactive and Delayed states, receipt handles, expiry, rewind.

Not thread-safe on its own: :class:`~cmqconform.products.cmq.state.Backend` holds its lock around
every call. Time is passed in (``now``) so the queue never reads a clock.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.products.cmq.ids import numeric_id
from cmqconform.products.cmq.records import ReceivedMessage

_INFINITY = float("inf")


@dataclass(slots=True)
class Message:
    """A message held by a queue (mutable: its visibility and handle change as it is received)."""

    msg_id: str
    body: str
    enqueue_time: float
    visible_at: float
    #: Sent with a delay and not yet visible for the first time.
    delayed: bool = False
    dequeue_count: int = 0
    first_dequeue_time: float = 0.0
    handle: str | None = None
    #: Bumped on every state change so stale index entries are recognised and skipped.
    version: int = 0


class Queue:
    """A queue's attributes and messages, indexed for O(log n) send, receive and delete."""

    def __init__(self, queue_id: str, name: str, attributes: dict[str, Any],
                 mutants: Mutants = NO_MUTANTS) -> None:
        self.queue_id = queue_id
        self.mutants = mutants
        self.name = name
        self.attributes = attributes
        self.messages: dict[str, Message] = {}
        self._ready: deque[tuple[str, int]] = deque()
        self._pending: list[tuple[float, int, str, int]] = []
        self._order = itertools.count()
        self._handles: dict[str, str] = {}
        #: Deleted messages kept for rewind: msg_id -> (message, kept until).
        self.rewindable: dict[str, tuple[Message, float]] = {}
        self._next_deadline = _INFINITY

    # -- attributes ---------------------------------------------------------------------------
    def attr(self, name: str) -> Any:
        """An attribute by its lowerCamel name (None when unset)."""
        return self.attributes.get(name)

    def _int_attr(self, name: str) -> int:
        value = self.attributes.get(name)
        return int(value) if value is not None else 0

    @property
    def ttl(self) -> float | None:
        """Seconds a message may stay unconsumed before the dead-letter policy 1 moves it."""
        if self.attr("deadLetterQueueName") and self.attr("policy") == 1:
            ttl = self.attr("maxTimeToLive")
            return float(ttl) if ttl else None
        return None

    @property
    def max_receive_count(self) -> int | None:
        """Receives after which the dead-letter policy 0 moves an undeleted message."""
        if self.attr("deadLetterQueueName") and self.attr("policy") in (0, None):
            count = self.attr("maxReceiveCount")
            return int(count) if count else None
        return None

    # -- indexing -----------------------------------------------------------------------------
    def _index(self, message: Message, now: float) -> None:
        message.version += 1
        if message.visible_at <= now:
            self._ready.append((message.msg_id, message.version))
        else:
            heapq.heappush(self._pending, (message.visible_at, next(self._order),
                                           message.msg_id, message.version))
        self._note_deadline(message)

    def _note_deadline(self, message: Message) -> None:
        deadline = message.enqueue_time + self._int_attr("msgRetentionSeconds")
        ttl = self.ttl
        if ttl is not None:
            deadline = min(deadline, message.enqueue_time + ttl)
        self._next_deadline = min(self._next_deadline, deadline)

    def _live(self, msg_id: str, version: int) -> Message | None:
        message = self.messages.get(msg_id)
        return message if message is not None and message.version == version else None

    def add(self, message: Message, now: float) -> None:
        """Hold a new message (visible now, or later when delayed)."""
        self.messages[message.msg_id] = message
        self._index(message, now)

    def _drop(self, message: Message) -> None:
        self.messages.pop(message.msg_id, None)
        if message.handle is not None:
            self._handles.pop(message.handle, None)
            message.handle = None

    # -- time ---------------------------------------------------------------------------------
    def refresh(self, now: float) -> list[Message]:
        """Apply everything due by ``now``; returns the messages the dead-letter policy moves."""
        dead: list[Message] = []
        if now >= self._next_deadline:
            dead.extend(self._expire(now))
        limit = self.max_receive_count
        while self._pending and self._pending[0][0] <= now:
            _, _, msg_id, version = heapq.heappop(self._pending)
            message = self._live(msg_id, version)
            if message is None:
                continue
            if message.handle is not None and not self.mutants.active("handle-never-expires"):
                # The visibility timeout ran out: the receipt handle expires with it.
                if not self.mutants.active("stale-handle-deletes"):
                    self._handles.pop(message.handle, None)
                message.handle = None
            over = message.dequeue_count >= (limit or 0)
            if self.mutants.active("dead-letter-off-by-one"):
                over = message.dequeue_count > (limit or 0)
            if limit is not None and over:
                self._drop(message)
                dead.append(message)
                continue
            message.delayed = False
            message.version += 1
            self._ready.append((msg_id, message.version))
        while self.rewindable:
            msg_id, (_, until) = next(iter(self.rewindable.items()))
            if until > now:
                break
            del self.rewindable[msg_id]
        return dead

    def _expire(self, now: float) -> Iterator[Message]:
        retention = self._int_attr("msgRetentionSeconds")
        ttl = self.ttl
        self._next_deadline = _INFINITY
        for message in list(self.messages.values()):
            if message.enqueue_time + retention <= now:
                self._drop(message)
            elif ttl is not None and message.enqueue_time + ttl <= now:
                self._drop(message)
                yield message
            else:
                self._note_deadline(message)

    # -- consuming ----------------------------------------------------------------------------
    def take(self, now: float, visibility_timeout: int) -> ReceivedMessage | None:
        """Receive the next visible message, making it Inactive with a fresh receipt handle."""
        while self._ready:
            msg_id, version = self._ready.popleft()
            message = self._live(msg_id, version)
            if message is None or message.visible_at > now:
                continue
            if message.handle is not None and not self.mutants.active("stale-handle-deletes"):
                self._handles.pop(message.handle, None)
            message.dequeue_count += 1
            if message.dequeue_count == 1:
                message.first_dequeue_time = now
            hidden: float = 0 if self.mutants.active("visibility-not-applied") \
                else visibility_timeout
            if self.mutants.active("visibility-fires-early"):
                hidden = visibility_timeout / 2
            message.visible_at = now + hidden
            message.handle = msg_id if self.mutants.active("handle-is-message-id") else numeric_id()
            self._handles[message.handle] = msg_id
            self._index(message, now)
            return ReceivedMessage(
                msg_id=msg_id, receipt_handle=message.handle,
                body=message.body.strip() if self.mutants.active("body-edges-stripped")
                else message.body,
                enqueue_time=int(message.enqueue_time),
                first_dequeue_time=int(message.first_dequeue_time),
                # Rounded up: the doc promises the handle fails from nextVisibleTime on
                # (cmq-api.txt:5499); rounding down announced a second it still deleted in.
                next_visible_time=math.ceil(message.visible_at),
                dequeue_count=message.dequeue_count,
            )
        return None

    def delete(self, receipt_handle: str, now: float) -> bool:
        """Delete the message whose latest, unexpired handle this is; False otherwise."""
        msg_id = self._handles.get(receipt_handle)
        message = self.messages.get(msg_id) if msg_id is not None else None
        stale = message is not None and message.handle != receipt_handle \
            and not self.mutants.active("stale-handle-deletes")
        expired = message is not None and message.visible_at <= now \
            and not self.mutants.active("handle-never-expires")
        if message is None or stale or expired:
            return False
        self._drop(message)
        rewind = self._int_attr("rewindSeconds")
        if rewind > 0 and not self.mutants.active("rewind-forgets-deleted"):
            self.rewindable[message.msg_id] = (message, now + rewind)
        return True

    def has_visible(self) -> bool:
        """Whether a receive could succeed right now (after :meth:`refresh`)."""
        return any(self._live(m, v) is not None for m, v in self._ready)

    def next_visible_at(self) -> float | None:
        """When the earliest Delayed or Inactive message becomes visible."""
        return self._pending[0][0] if self._pending else None

    # -- management ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Drop every message, handle and rewind copy."""
        self.messages.clear()
        self._ready.clear()
        self._pending.clear()
        self._handles.clear()
        self.rewindable.clear()
        self._next_deadline = _INFINITY

    def rewind(self, start: float, now: float) -> None:
        """Make messages enqueued at or after ``start`` Active again, deleted ones included."""
        restored = [m for m, _ in self.rewindable.values() if m.enqueue_time >= start]
        for message in restored:
            del self.rewindable[message.msg_id]
            self.messages[message.msg_id] = message
        for message in sorted(self.messages.values(), key=lambda m: m.enqueue_time):
            if message.enqueue_time < start:
                continue
            if message.handle is not None:
                self._handles.pop(message.handle, None)
                message.handle = None
            message.visible_at = now
            message.delayed = False
            self._index(message, now)
        self._reorder()

    def _reorder(self) -> None:
        """Keep the ready list in enqueue order so a rewound queue replays in production order."""
        live = [(m, v) for m, v in self._ready if self._live(m, v) is not None]
        live.sort(key=lambda item: self.messages[item[0]].enqueue_time)
        self._ready = deque(live)

    def stats(self, now: float) -> dict[str, int]:
        """activeMsgNum, inactiveMsgNum, delayMsgNum, rewindMsgNum and minMsgTime."""
        active = inactive = delayed = 0
        oldest = _INFINITY
        for message in self.messages.values():
            oldest = min(oldest, message.enqueue_time)
            if message.visible_at <= now:
                active += 1
            elif message.delayed and not self.mutants.active("delay-counted-inactive"):
                delayed += 1
            else:
                inactive += 1
        return {
            "activeMsgNum": active, "inactiveMsgNum": inactive, "delayMsgNum": delayed,
            "rewindMsgNum": len(self.rewindable),
            "minMsgTime": int(oldest) if oldest != _INFINITY else 0,
        }
