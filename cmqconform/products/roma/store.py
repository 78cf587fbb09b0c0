"""ROMA Connect MQS's state: instances whose topics' partitions hold messages, and the query.

The API only reads, so the state is seeded (:func:`seed`: a fixed data set under names the specs'
recipe gives) and never changes. :meth:`Store.query` is the message query's semantics: the offset
query by time range, the content query by partition and offset, the topic-only query over all
time (errata roma-no-mode), the key/message_id/tag filters, ``asc`` and limit/offset paging.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS, Mutants

#: The seeded data set's first timestamp (Unix ms) and the spacing between messages.
BASE_MS = 1_700_000_000_000
STEP_MS = 1_000


@dataclass(frozen=True, slots=True)
class Message:
    """One message as the query answers it (the spec's ``Messages`` members)."""

    topic: str
    partition: int
    message_offset: int
    timestamp: int
    value: str
    key: str | None = None
    tag: str = ""
    message_id: str = ""
    app_id: str = ""
    huge_message: bool = False

    @property
    def size(self) -> int:
        """The value's size in bytes."""
        return len(self.value.encode("utf-8"))

    def record(self) -> dict[str, Any]:
        """The answer's members; ``key`` is left out for a message sent without one."""
        out = {k: v for k, v in asdict(self).items() if not (k == "key" and v is None)}
        out["size"] = self.size
        return out


@dataclass(slots=True)
class Store:
    """Project -> instance -> topic -> its messages."""

    data: dict[str, dict[str, dict[str, list[Message]]]] = field(default_factory=dict)
    mutants: Mutants = NO_MUTANTS

    async def start(self) -> None:
        """Nothing runs in the background."""

    async def aclose(self) -> None:
        """Nothing to release."""

    def add(self, project: str, instance: str, topic: str,
            messages: Iterable[Message] = ()) -> None:
        """Create the topic (and its instance) holding ``messages``."""
        held = self.data.setdefault(project, {}).setdefault(instance, {}).setdefault(topic, [])
        held.extend(messages)

    def topic(self, project: str, instance: str, topic: str) -> list[Message]:
        """The topic's messages; Fault ``instance_not_found`` / ``topic_not_found``."""
        instances = self.data.get(project, {})
        if instance not in instances:
            raise Fault("instance_not_found", f"instance {instance} does not exist",
                        "instance_id")
        if topic not in instances[instance]:
            raise Fault("topic_not_found", f"topic {topic} does not exist in {instance}",
                        "topic")
        return instances[instance][topic]

    def query(self, project: str, instance: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The message query (see the module docstring); ``params`` are validated."""
        held = self.topic(project, instance, str(params["topic"]))
        start, end = params.get("start_time"), params.get("end_time")
        if start is not None and end is not None:
            last = end - 1 if self.mutants.active("time-range-end-exclusive") else end
            found = [m for m in held if start <= m.timestamp <= last]
        elif params.get("partition") is not None and params.get("message_offset") is not None:
            offset = params["message_offset"]
            if self.mutants.active("content-offset-off-by-one"):
                offset += 1
            found = [m for m in held
                     if m.partition == params["partition"] and m.message_offset == offset]
        else:
            found = list(held)
        for name in ("key", "message_id", "tag"):
            wanted = params.get(name)
            if wanted is None or (name == "key" and self.mutants.active("key-filter-ignored")):
                continue
            found = [m for m in found if getattr(m, name) == wanted]
        ascending = bool(params.get("asc")) and not self.mutants.active("asc-ignored")
        found.sort(key=lambda m: (m.timestamp, m.partition, m.message_offset),
                   reverse=not ascending)
        first = params.get("offset") or 0
        limit = params.get("limit")
        page = found[first:] if limit is None else found[first:first + limit]
        if self.mutants.active("last-page-dropped") and limit is not None \
                and first + limit >= len(found):
            page = []
        total = len(page) if self.mutants.active("total-is-page-size") else len(found)
        return {"messages": [m.record() for m in page], "total": total, "size": len(page)}


def seed(store: Store, project: str, instance: str, topic: str) -> None:
    """The embedded data set: ``topic`` with twelve messages over three partitions, a second
    topic with none. Keys repeat, one message has no key, tags alternate, one is huge."""
    messages = []
    offsets = [0, 0, 0]
    for i in range(12):
        partition = i % 3
        huge = i == 7
        value = f"order {i} placed" + (" ." * 600 if huge else "")
        messages.append(Message(
            topic=topic, partition=partition, message_offset=offsets[partition],
            timestamp=BASE_MS + i * STEP_MS, value=value,
            key=None if i == 5 else f"customer-{i % 4}", tag=("paid", "shipped")[i % 2],
            message_id=f"cmqc-msg-{i:03d}", app_id="cmqc-app", huge_message=huge))
        offsets[partition] += 1
    store.add(project, instance, topic, messages)
    store.add(project, instance, f"{topic}-empty")
