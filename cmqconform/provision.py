"""Create the resources a case needs, clean them up, and sweep leftovers of earlier runs.

Every name comes from a :class:`~cmqconform.cases.resources.Namer`, so it starts with the suite
prefix; the sweeper deletes only names with that prefix and nothing else, ever.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from cmqconform.cases.resources import SUITE_PREFIX, Namer, Now, recipe
from cmqconform.errors import CmqConformError
from cmqconform.models import LEGACY, V3, ActionSpec
from cmqconform.session import Session
from cmqconform.verdicts import Exchange, Need, Ref

#: Actions (lower-cased) that create / delete / list each kind, per surface.
ACTIONS: Mapping[str, Mapping[str, str]] = {
    V3: {"queue": "CreateQueue", "topic": "CreateTopic", "subscription": "CreateSubscribe",
         "-queue": "DeleteQueue", "-topic": "DeleteTopic", "-subscription": "DeleteSubscribe"},
    LEGACY: {"queue": "CreateQueue", "topic": "CreateTopic", "subscription": "Subscribe",
             "-queue": "DeleteQueue", "-topic": "DeleteTopic", "-subscription": "Unsubscribe",
             "message": "SendMessage", "receipt": "ReceiveMessage"},
}


class SetupError(CmqConformError):
    """A setup step failed: the case cannot be judged (an ``error`` verdict, not a fail)."""


def named(session: Session, api: str, action: str, **lowered: Any) -> dict[str, Any]:
    """Parameters keyed by the spec's names, given lower-cased ones (one call for both APIs)."""
    spec = session.specs.api(api).actions[action]
    by_lower = {p.name.lower(): p.name for p in spec.request}
    return {by_lower.get(k, k): v for k, v in lowered.items()}


def _attr_value(spec: ActionSpec, name: str, value: Any) -> tuple[str, Any]:
    for param in spec.request:
        if param.name.lower() == name:
            return param.name, (param.max if value == "max" else value)
    return name, value


class Resources:
    """The resources of one case (or one test), created on demand and deleted at the end."""

    def __init__(self, session: Session, api: str, namer: Namer) -> None:
        self.session = session
        self.api = api
        self.namer = namer
        self.names: dict[tuple[str, str], str] = {}
        #: (kind, name, topic) in creation order, for cleanup in reverse.
        self.created: list[tuple[str, str, str | None]] = []

    def _call(self, action: str, **lowered: Any) -> Exchange:
        params = named(self.session, self.api, action, **lowered)
        return self.session.call(self.api, action, params)

    def _must(self, exchange: Exchange, what: str) -> Exchange:
        if not exchange.ok:
            raise SetupError(f"setup {what} failed: {exchange.describe()}")
        return exchange

    def create(self, kind: str, *, slot: str = "", length: int | None = None,
               attrs: tuple[tuple[str, Any], ...] = ()) -> str:
        """Create one resource of ``kind`` and remember it under ``(kind, slot)``."""
        actions = ACTIONS[self.api]
        if kind == "queue" or kind == "topic":
            name = self.namer.name(length)
            spec = self.session.specs.api(self.api).actions[actions[kind]]
            extra = dict(_attr_value(spec, k, v) for k, v in attrs)
            params = {**named(self.session, self.api, actions[kind],
                              **{f"{kind}name": name}), **extra}
            self._must(self.session.call(self.api, actions[kind], params), f"create {kind}")
            self.created.append((kind, name, None))
        elif kind == "subscription":
            topic = self.get("topic")
            # The subscribe recipe's subscription (to a queue) unless ``attrs`` asks for another.
            given = dict(attrs)
            if "endpoint" not in given:
                given = {key: self.get(value.kind, value.slot) if isinstance(value, Ref)
                         else value for key, value in recipe(actions[kind]).values.items()}
            name = self.namer.name(length)
            self._must(self._call(actions[kind], topicname=topic, subscriptionname=name,
                                  **given), "subscribe")
            self.created.append((kind, name, topic))
        elif kind == "message":
            queue = self.get("queue")
            self._must(self._call(actions[kind], queuename=queue, msgbody="cmqc message"),
                       "send message")
            name = queue
        elif kind == "receipt":
            queue = self.get("queue")
            self.get("message")
            got = self._must(self._call(actions[kind], queuename=queue, pollingwaitseconds=1),
                             "receive message")
            name = str(got.data.get("receiptHandle", ""))
        else:
            raise SetupError(f"unknown resource kind {kind!r}")
        self.names[(kind, slot)] = name
        return name

    def get(self, kind: str, slot: str = "", length: int | None = None) -> str:
        """The resource of ``(kind, slot)``, created when absent."""
        if (kind, slot) not in self.names:
            return self.create(kind, slot=slot, length=length)
        return self.names[(kind, slot)]

    def provide(self, needs: tuple[Need, ...]) -> None:
        """Create every needed resource, in order."""
        for need in needs:
            if (need.kind, need.slot) not in self.names:
                self.create(need.kind, slot=need.slot, length=need.length, attrs=need.attrs)

    def resolve(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Replace placeholders: names of provided resources, fresh names, timestamps."""
        out: dict[str, Any] = {}
        topic = self.names.get(("topic", ""))
        for key, value in params.items():
            if isinstance(value, list) and any(isinstance(v, Ref) for v in value):
                out[key] = list(self.resolve({str(i): v for i, v in enumerate(value)}).values())
            elif isinstance(value, Ref):
                if value.fresh or value.tail or (value.kind, value.slot) not in self.names:
                    name = self.namer.name(value.length) + value.tail
                    # A target that wrongly accepts the name must not leak it: clean it too.
                    if not value.tail:
                        self.created.append((value.kind, name, topic))
                    out[key] = name
                else:
                    out[key] = self.names[(value.kind, value.slot)]
            elif isinstance(value, Now):
                out[key] = int(time.time()) + value.offset
            else:
                out[key] = value
        return out

    def cleanup(self) -> list[str]:
        """Delete everything created, newest first; returns the problems met (never raises)."""
        problems = []
        actions = ACTIONS[self.api]
        order = {"subscription": 0, "topic": 1, "queue": 2}
        pending = sorted(reversed(self.created), key=lambda item: order.get(item[0], 3))
        for kind, name, topic in pending:
            if kind not in order or (kind == "subscription" and not topic):
                continue
            args: dict[str, Any] = {f"{kind}name": name}
            if kind == "subscription":
                args["topicname"] = topic
            exchange = self._call(actions["-" + kind], **args)
            if exchange.fault:
                problems.append(f"delete {kind} {name}: {exchange.fault}")
        self.created.clear()
        self.names.clear()
        return problems


def _pages(session: Session, action: str, key: str, name_key: str,
           **extra: Any) -> list[str]:
    names: list[str] = []
    offset = 0
    for _ in range(200):
        got = session.call(V3, action, named(session, V3, action, offset=offset, limit=50,
                                             **extra))
        if not got.ok:
            break
        items = got.data.get(key) or []
        names += [str(item.get(name_key, "")) for item in items if isinstance(item, dict)]
        offset += len(items)
        if len(items) < 50:
            break
    return names


def sweep(session: Session, prefix: str = SUITE_PREFIX + "-") -> list[str]:
    """Delete every queue and topic (with its subscriptions) whose name starts with ``prefix``.

    Uses API 3.0 listing; names without the prefix are never touched. Returns what was deleted.
    """
    if not prefix.startswith(SUITE_PREFIX):
        raise ValueError(f"refusing to sweep names without the suite prefix {SUITE_PREFIX!r}")
    deleted = []
    for topic in _pages(session, "DescribeTopicDetail", "TopicSet", "TopicName"):
        if not topic.startswith(prefix):
            continue
        for sub in _pages(session, "DescribeSubscriptionDetail", "SubscriptionSet",
                          "SubscriptionName", topicname=topic):
            session.call(V3, "DeleteSubscribe", named(session, V3, "DeleteSubscribe",
                                                      topicname=topic, subscriptionname=sub))
        session.call(V3, "DeleteTopic", named(session, V3, "DeleteTopic", topicname=topic))
        deleted.append(f"topic {topic}")
    for queue in _pages(session, "DescribeQueueDetail", "QueueSet", "QueueName"):
        if queue.startswith(prefix):
            session.call(V3, "DeleteQueue", named(session, V3, "DeleteQueue", queuename=queue))
            deleted.append(f"queue {queue}")
    return deleted
