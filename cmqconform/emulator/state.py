"""The emulator's state: accounts, queues, messages, topics and subscriptions.

One :class:`Backend` serves both API surfaces. Attributes are stored under the legacy lowerCamel
wire names (``maxMsgHeapNum``, ``visibilityTimeout``...); the API 3.0 layer maps its UpperCamel
names onto them case-insensitively. Every refusal is a :class:`~cmqconform.emulator.faults.Fault`
naming an errors.yaml condition. Limits and defaults come from ``specs/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cmqconform.emulator.clock import Clock, RealClock
from cmqconform.emulator.faults import Fault, ItemError
from cmqconform.emulator.ids import numeric_id, resource_id
from cmqconform.emulator.limits import Limits, lower_camel
from cmqconform.emulator.matching import FILTER_ROUTING, subscription_matches
from cmqconform.emulator.push import Delivery, PushDeliverer, PushResult, RetrySchedule
from cmqconform.emulator.queues import Message, Queue
from cmqconform.emulator.records import Page, ReceivedMessage
from cmqconform.emulator.topics import Subscription, Topic
from cmqconform.models import SpecSet
from cmqconform.spec import load_specs

#: Sweep period of the background expiry task, in seconds of the backend's clock.
SWEEP_SECONDS = 1.0


@dataclass(slots=True)
class _Account:
    queues: dict[str, Queue] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    #: (kind, lower-case name) -> time until which a deleted name stays reserved.
    released: dict[tuple[str, str], float] = field(default_factory=dict)


def _page(items: list[dict[str, Any]], offset: int, limit: int | None) -> Page:
    end = None if limit is None else offset + limit
    return Page(total=len(items), items=tuple(items[offset:end]))


def _listed(names: Iterable[str], search_word: str | None,
            exact: Sequence[str] | None) -> list[str]:
    wanted = {n.lower() for n in exact} if exact else None
    word = search_word.lower() if search_word else None
    return [n for n in names
            if (wanted is None or n.lower() in wanted) and (word is None or word in n.lower())]


class Backend:
    """Thread-safe CMQ state for any number of isolated accounts.

    Synchronous methods may be called from any thread; the receive methods are coroutines because
    long polling waits on the event loop (a send wakes a waiting receiver at once).
    ``account`` is the key of an isolated namespace (the SecretId or app id); namespaces are
    created on first use.
    """

    def __init__(self, specs: SpecSet | None = None, *, clock: Clock | None = None,
                 name_release_seconds: float | None = None,
                 push_time_scale: float = 1.0,
                 push: PushDeliverer | None = None) -> None:
        self.specs = specs or load_specs()
        self.clock: Clock = clock or RealClock()
        self.limits = Limits.from_specs(self.specs)
        if name_release_seconds is not None:
            self.limits = self.limits.replace(name_release_seconds=name_release_seconds)
        self.push = push or PushDeliverer(RetrySchedule.from_specs(self.specs),
                                          time_scale=push_time_scale)
        self.push_results: list[PushResult] = []
        self.push.add_listener(self._on_push_result)
        self._lock = threading.RLock()
        self._accounts: dict[str, _Account] = {}
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    # -- plumbing -----------------------------------------------------------------------------
    def _account(self, account: str) -> _Account:
        return self._accounts.setdefault(account, _Account())

    def _queue(self, account: str, name: str) -> Queue:
        queue = self._account(account).queues.get(name.lower())
        if queue is None:
            raise Fault("queue_not_found", f"queue {name} does not exist", "queueName")
        return queue

    def _topic(self, account: str, name: str) -> Topic:
        topic = self._account(account).topics.get(name.lower())
        if topic is None:
            raise Fault("topic_not_found", f"topic {name} does not exist", "topicName")
        return topic

    def _subscription(self, account: str, topic: str, name: str) -> tuple[Topic, Subscription]:
        found = self._topic(account, topic)
        sub = found.subscriptions.get(name.lower())
        if sub is None:
            raise Fault("subscription_not_found", f"subscription {name} does not exist",
                        "subscriptionName")
        return found, sub

    def _reserve_name(self, account: _Account, kind: str, name: str, now: float) -> None:
        until = account.released.get((kind, name.lower()))
        if until is not None and now < until:
            raise Fault("name_in_release_window",
                        f"{kind} name {name} was deleted recently; retry after "
                        f"{until - now:.0f} seconds", f"{kind}Name")
        account.released.pop((kind, name.lower()), None)

    def _refresh(self, account: str, queue: Queue, now: float) -> None:
        """Apply due expiries and visibility changes; move dead letters to their queue."""
        dead = queue.refresh(now)
        if not dead:
            return
        target = self._account(account).queues.get(str(queue.attr("deadLetterQueueName")).lower())
        if target is None:
            return
        for message in dead:
            if len(target.messages) >= int(target.attr("maxMsgHeapNum") or 0):
                break
            target.add(Message(msg_id=message.msg_id, body=message.body, enqueue_time=now,
                               visible_at=now), now)
        self._wake(target)

    def _wake(self, queue: Queue) -> None:
        for future in self._waiters.get(queue.queue_id, ()):
            future.get_loop().call_soon_threadsafe(_settle, future)

    def _now(self) -> float:
        return self.clock.now()

    # -- queues -------------------------------------------------------------------------------
    def create_queue(self, account: str, name: str,
                     attributes: Mapping[str, Any] | None = None) -> str:
        """Create a queue and return its id; attribute names are matched case-insensitively."""
        with self._lock:
            space = self._account(account)
            now = self._now()
            if name.lower() in space.queues:
                raise Fault("queue_exists", f"queue {name} already exists", "queueName")
            self._reserve_name(space, "queue", name, now)
            attrs = dict(self.limits.queue_defaults)
            attrs.update(self._attributes(attributes, self.limits.queue_attributes))
            self._check_dead_letter(space, name, attrs)
            attrs["createTime"] = attrs["lastModifyTime"] = int(now)
            queue = Queue(resource_id("queue"), name, attrs)
            space.queues[name.lower()] = queue
            return queue.queue_id

    def _attributes(self, given: Mapping[str, Any] | None,
                    known: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (given or {}).items():
            if value is not None:
                out[known.get(key.lower(), lower_camel(key))] = value
        return out

    def _check_dead_letter(self, space: _Account, name: str, attrs: Mapping[str, Any]) -> None:
        target = attrs.get("deadLetterQueueName")
        if target and str(target).lower() not in space.queues:
            raise Fault("dead_letter_queue_not_found",
                        f"dead-letter queue {target} does not exist", "deadLetterQueueName")
        if target and str(target).lower() == name.lower():
            raise Fault("rule_violation", "a queue cannot be its own dead-letter queue",
                        "deadLetterQueueName")

    def delete_queue(self, account: str, name: str) -> None:
        """Delete a queue; its name is held for the release window."""
        with self._lock:
            space = self._account(account)
            queue = self._queue(account, name)
            del space.queues[name.lower()]
            space.released[("queue", name.lower())] = (
                self._now() + self.limits.name_release_seconds)
            self._wake(queue)

    def get_queue(self, account: str, name: str) -> dict[str, Any]:
        """Attributes plus queueId, queueName and statistics, all under lowerCamel names."""
        with self._lock:
            return self._describe_queue(account, self._queue(account, name))

    def _describe_queue(self, account: str, queue: Queue) -> dict[str, Any]:
        now = self._now()
        self._refresh(account, queue, now)
        out: dict[str, Any] = {"queueId": queue.queue_id, "queueName": queue.name}
        out.update(queue.attributes)
        out.update(queue.stats(now))
        space = self._account(account)
        dlq_name = queue.attr("deadLetterQueueName")
        if dlq_name:
            target = space.queues.get(str(dlq_name).lower())
            out["deadLetterPolicy"] = {
                "deadLetterQueueName": dlq_name,
                "deadLetterQueue": target.queue_id if target else None,
                "policy": queue.attr("policy") or 0,
                "maxTimeToLive": queue.attr("maxTimeToLive"),
                "maxReceiveCount": queue.attr("maxReceiveCount"),
            }
        else:
            out["deadLetterPolicy"] = None
        out["deadLetterSource"] = [
            {"queueId": q.queue_id, "queueName": q.name} for q in space.queues.values()
            if str(q.attr("deadLetterQueueName") or "").lower() == queue.name.lower()]
        if queue.attr("transaction") == 1:
            out["transactionPolicy"] = {"firstQueryInterval": queue.attr("firstQueryInterval"),
                                        "maxQueryCount": queue.attr("maxQueryCount")}
        else:
            out["transactionPolicy"] = None
        out["tags"] = []
        return out

    def set_queue_attributes(self, account: str, name: str,
                             attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change attributes (only those given) and return the full attribute set."""
        with self._lock:
            queue = self._queue(account, name)
            changes = self._attributes(attributes, self.limits.queue_attributes)
            merged = {**queue.attributes, **changes}
            self._check_dead_letter(self._account(account), queue.name, merged)
            queue.attributes.update(changes)
            queue.attributes["lastModifyTime"] = int(self._now())
            return self._describe_queue(account, queue)

    def list_queues(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Queues in creation order; ``search_word`` is a case-insensitive substring match,
        ``names`` exact names (case-insensitive); queues carry no tags, so ``tag_key`` matches
        none."""
        with self._lock:
            space = self._account(account)
            if tag_key is not None:
                return Page(0, ())
            chosen = _listed((q.name for q in space.queues.values()), search_word, names)
            items = [self._describe_queue(account, space.queues[n.lower()]) for n in chosen]
            return _page(items, offset, limit)

    def clear_queue(self, account: str, name: str) -> None:
        """Drop every message of the queue."""
        with self._lock:
            self._queue(account, name).clear()

    def rewind_queue(self, account: str, name: str, start_consume_time: int) -> None:
        """Make messages enqueued at or after ``start_consume_time`` consumable again."""
        with self._lock:
            queue = self._queue(account, name)
            now = self._now()
            self._refresh(account, queue, now)
            window = int(queue.attr("rewindSeconds") or 0)
            if window <= 0:
                raise Fault("rewind_not_enabled", f"queue {name} has rewind disabled",
                            "queueName")
            if not now - window <= start_consume_time <= now:
                raise Fault("rewind_time_invalid",
                            f"parameter startConsumeTime must be within the last {window} "
                            f"seconds: {start_consume_time}", "startConsumeTime")
            queue.rewind(float(start_consume_time), now)
            self._wake(queue)

    def unbind_dead_letter(self, account: str, name: str) -> None:
        """Remove the dead-letter policy of a source queue."""
        with self._lock:
            queue = self._queue(account, name)
            for key in ("deadLetterQueueName", "policy", "maxReceiveCount", "maxTimeToLive"):
                queue.attributes.pop(key, None)
            queue.attributes["lastModifyTime"] = int(self._now())

    def dead_letter_sources(self, account: str, dead_letter_queue: str, *, offset: int = 0,
                            limit: int | None = None,
                            source_name: str | None = None) -> Page:
        """Source queues whose dead-letter policy names ``dead_letter_queue``."""
        with self._lock:
            target = self._queue(account, dead_letter_queue)
            sources = [q for q in self._account(account).queues.values()
                       if str(q.attr("deadLetterQueueName") or "").lower() == target.name.lower()
                       and (source_name is None or q.name.lower() == source_name.lower())]
            items = [{"queueId": q.queue_id, "queueName": q.name} for q in sources]
            return _page(items, offset, limit)

    # -- messages -----------------------------------------------------------------------------
    def send_message(self, account: str, queue: str, body: str,
                     delay_seconds: int = 0) -> str:
        """Enqueue one message and return its msgId."""
        return self.send_messages(account, queue, [body], delay_seconds)[0]

    def send_messages(self, account: str, queue: str, bodies: Sequence[str],
                      delay_seconds: int = 0) -> list[str]:
        """Enqueue a batch atomically (all or none) and return the msgIds."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            ids = self._enqueue(found, bodies, delay_seconds, now)
            self._wake(found)
            return ids

    def _enqueue(self, queue: Queue, bodies: Sequence[str], delay_seconds: int,
                 now: float) -> list[str]:
        limit = int(queue.attr("maxMsgSize") or 0)
        for body in bodies:
            size = len(body.encode())
            if limit and size > limit:
                raise Fault("message_too_large",
                            f"message body of {size} bytes exceeds maxMsgSize {limit}", "msgBody")
        heap = int(queue.attr("maxMsgHeapNum") or 0)
        if heap and len(queue.messages) + len(bodies) > heap:
            raise Fault("heap_full", f"queue {queue.name} holds maxMsgHeapNum={heap} messages")
        ids = []
        for body in bodies:
            message = Message(msg_id=numeric_id(), body=body, enqueue_time=now,
                              visible_at=now + delay_seconds, delayed=delay_seconds > 0)
            queue.add(message, now)
            ids.append(message.msg_id)
        return ids

    async def receive_message(self, account: str, queue: str,
                              polling_wait_seconds: int | None = None) -> ReceivedMessage:
        """Receive one message, long-polling up to the wait; Fault ``no_message`` when empty."""
        return (await self.receive_messages(account, queue, 1, polling_wait_seconds))[0]

    async def receive_messages(self, account: str, queue: str, count: int,
                               polling_wait_seconds: int | None = None) -> list[ReceivedMessage]:
        """Receive up to ``count`` messages; Fault ``no_message`` when none arrived in time.

        The wait is ``polling_wait_seconds`` when given, else the queue's pollingWaitSeconds. A
        send, a rewind or a message becoming visible again ends the wait at once.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._queue(account, queue)
            wait = (polling_wait_seconds if polling_wait_seconds is not None
                    else int(found.attr("pollingWaitSeconds") or 0))
            deadline = self._now() + wait
        while True:
            with self._lock:
                found = self._queue(account, queue)
                now = self._now()
                self._refresh(account, found, now)
                timeout = int(found.attr("visibilityTimeout") or 0)
                got: list[ReceivedMessage] = []
                while len(got) < count:
                    taken = found.take(now, timeout)
                    if taken is None:
                        break
                    got.append(taken)
                if got:
                    return got
                remaining = deadline - now
                if remaining <= 0:
                    raise Fault("no_message", f"no message in queue {found.name}")
                due = found.next_visible_at()
                if due is not None:
                    remaining = min(remaining, max(due - now, 0.0))
                future: asyncio.Future[None] = loop.create_future()
                waiters = self._waiters.setdefault(found.queue_id, set())
                waiters.add(future)
            try:
                await self._wait(future, remaining)
            finally:
                with self._lock:
                    waiters.discard(future)
                    if not waiters:
                        self._waiters.pop(found.queue_id, None)

    async def _wait(self, future: asyncio.Future[None], seconds: float) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait({future, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sleeper

    def delete_message(self, account: str, queue: str, receipt_handle: str) -> None:
        """Delete by the latest receipt handle; stale, expired or unknown handles are refused."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            if not found.delete(receipt_handle, now):
                raise Fault("receipt_handle_invalid",
                            f"receipt handle {receipt_handle} is invalid or expired",
                            "receiptHandle")

    def delete_messages(self, account: str, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete a batch; when some fail, Fault ``batch_delete_partial`` lists them."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            errors = tuple(
                ItemError(handle, "receipt_handle_invalid",
                          f"receipt handle {handle} is invalid or expired")
                for handle in receipt_handles if not found.delete(handle, now))
            if errors:
                raise Fault("batch_delete_partial",
                            f"{len(errors)} of {len(receipt_handles)} messages were not deleted",
                            "receiptHandle", errors)

    # -- topics -------------------------------------------------------------------------------
    def create_topic(self, account: str, name: str,
                     attributes: Mapping[str, Any] | None = None) -> str:
        """Create a topic and return its id."""
        with self._lock:
            space = self._account(account)
            now = self._now()
            if name.lower() in space.topics:
                raise Fault("topic_exists", f"topic {name} already exists", "topicName")
            self._reserve_name(space, "topic", name, now)
            quota = self.limits.topics_per_account
            if quota is not None and len(space.topics) >= quota:
                raise Fault("topic_quota", f"the account already has {quota} topics")
            attrs = dict(self.limits.topic_defaults)
            attrs.update(self._attributes(attributes, self.limits.topic_attributes))
            attrs["createTime"] = attrs["lastModifyTime"] = int(now)
            topic = Topic(resource_id("topic"), name, attrs)
            space.topics[name.lower()] = topic
            return topic.topic_id

    def delete_topic(self, account: str, name: str) -> None:
        """Delete a topic without subscriptions."""
        with self._lock:
            space = self._account(account)
            topic = self._topic(account, name)
            if topic.subscriptions:
                raise Fault("topic_has_subscriptions",
                            f"topic {name} still has {len(topic.subscriptions)} subscriptions")
            del space.topics[name.lower()]
            space.released[("topic", name.lower())] = (
                self._now() + self.limits.name_release_seconds)

    def get_topic(self, account: str, name: str) -> dict[str, Any]:
        """Attributes plus topicId, topicName and msgCount under lowerCamel names."""
        with self._lock:
            return self._describe_topic(self._topic(account, name))

    def _describe_topic(self, topic: Topic) -> dict[str, Any]:
        out: dict[str, Any] = {"topicId": topic.topic_id, "topicName": topic.name}
        out.update(topic.attributes)
        out["msgCount"] = topic.msg_count(self._now())
        out["tags"] = []
        return out

    def set_topic_attributes(self, account: str, name: str,
                             attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change topic attributes and return the full set."""
        with self._lock:
            topic = self._topic(account, name)
            topic.attributes.update(self._attributes(attributes, self.limits.topic_attributes))
            topic.attributes["lastModifyTime"] = int(self._now())
            return self._describe_topic(topic)

    def list_topics(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Topics in creation order, filtered like :meth:`list_queues`."""
        with self._lock:
            space = self._account(account)
            if tag_key is not None:
                return Page(0, ())
            chosen = _listed((t.name for t in space.topics.values()), search_word, names)
            items = [self._describe_topic(space.topics[n.lower()]) for n in chosen]
            return _page(items, offset, limit)

    def publish_message(self, account: str, topic: str, body: str,
                        msg_tags: Sequence[str] = (), routing_key: str | None = None) -> str:
        """Deliver one message to every matching subscription and return its msgId."""
        return self.publish_messages(account, topic, [body], msg_tags, routing_key)[0]

    def publish_messages(self, account: str, topic: str, bodies: Sequence[str],
                         msg_tags: Sequence[str] = (),
                         routing_key: str | None = None) -> list[str]:
        """Publish a batch to every matching subscription; returns the msgIds.

        No subscription at all answers ``topic_no_subscription``; subscriptions none of which
        match answers ``no_matching_subscription``; a filterType 2 topic needs a routing key.
        """
        with self._lock:
            found = self._topic(account, topic)
            now = self._now()
            limit = int(found.attributes.get("maxMsgSize") or 0)
            for body in bodies:
                if limit and len(body.encode()) > limit:
                    raise Fault("message_too_large",
                                f"message body exceeds the topic's maxMsgSize {limit}", "msgBody")
            if not found.subscriptions:
                raise Fault("topic_no_subscription", f"topic {topic} has no subscription")
            filter_type = found.attributes.get("filterType")
            if filter_type == FILTER_ROUTING and routing_key is None:
                raise Fault("missing_routing_key", "parameter routingKey is missing",
                            "routingKey")
            targets = [sub for sub in found.subscriptions.values()
                       if subscription_matches(filter_type, sub.filter_tags, sub.binding_keys,
                                               msg_tags, routing_key)]
            if not targets:
                raise Fault("no_matching_subscription",
                            "no subscription's filterTag or bindingKey matches the message")
            ids = [numeric_id() for _ in bodies]
            for msg_id, body in zip(ids, bodies, strict=True):
                found.published.append(now)
                for sub in targets:
                    self._deliver(account, found, sub, msg_id, body, tuple(msg_tags), now)
            return ids

    def _deliver(self, account: str, topic: Topic, sub: Subscription, msg_id: str, body: str,
                 tags: tuple[str, ...], now: float) -> None:
        attrs = sub.attributes
        if attrs.get("protocol") == "queue":
            queue = self._account(account).queues.get(str(attrs.get("endpoint")).lower())
            if queue is None:
                return
            self._refresh(account, queue, now)
            with contextlib.suppress(Fault):  # a full or too-small queue drops the copy
                self._enqueue(queue, [body], 0, now)
                self._wake(queue)
            return
        sub.pending += 1
        self.push.submit(Delivery(
            endpoint=str(attrs.get("endpoint")),
            content_format=str(attrs.get("notifyContentFormat")),
            strategy=str(attrs.get("notifyStrategy")), topic_owner=account,
            topic_name=topic.name, subscription_name=sub.name, msg_id=msg_id, body=body,
            tags=tags, publish_time=int(now), subscription_id=sub.subscription_id))

    def _on_push_result(self, result: PushResult) -> None:
        with self._lock:
            self.push_results.append(result)
            for space in self._accounts.values():
                for topic in space.topics.values():
                    for sub in topic.subscriptions.values():
                        if sub.subscription_id == result.delivery.subscription_id:
                            sub.pending = max(0, sub.pending - 1)

    # -- subscriptions ------------------------------------------------------------------------
    def subscribe(self, account: str, topic: str, name: str, *, protocol: str, endpoint: str,
                  attributes: Mapping[str, Any] | None = None) -> str:
        """Create a subscription and return its id."""
        with self._lock:
            found = self._topic(account, topic)
            if name.lower() in found.subscriptions:
                raise Fault("subscription_exists", f"subscription {name} already exists",
                            "subscriptionName")
            quota = self.limits.subscriptions_per_topic
            if quota is not None and len(found.subscriptions) >= quota:
                raise Fault("subscription_quota", f"topic {topic} already has {quota} "
                            "subscriptions")
            attrs = dict(self.limits.subscription_defaults)
            attrs.update(self._attributes(attributes, self.limits.subscription_attributes))
            attrs["protocol"] = protocol
            attrs["endpoint"] = endpoint
            if (found.attributes.get("filterType") == FILTER_ROUTING
                    and not attrs.get("bindingKey")):
                raise Fault("missing_binding_key", "parameter bindingKey is missing",
                            "bindingKey")
            now = int(self._now())
            attrs["createTime"] = attrs["lastModifyTime"] = now
            sub = Subscription(resource_id("subsc"), name, attrs)
            found.subscriptions[name.lower()] = sub
            return sub.subscription_id

    def unsubscribe(self, account: str, topic: str, name: str) -> None:
        """Delete a subscription."""
        with self._lock:
            found, _ = self._subscription(account, topic, name)
            del found.subscriptions[name.lower()]

    def get_subscription(self, account: str, topic: str, name: str) -> dict[str, Any]:
        """Subscription attributes under lowerCamel names."""
        with self._lock:
            found, sub = self._subscription(account, topic, name)
            return self._describe_subscription(account, found, sub)

    def _describe_subscription(self, account: str, topic: Topic,
                               sub: Subscription) -> dict[str, Any]:
        out: dict[str, Any] = {"subscriptionId": sub.subscription_id,
                               "subscriptionName": sub.name, "topicName": topic.name,
                               "topicOwner": account, "msgCount": sub.pending}
        out.update(sub.attributes)
        out["filterTag"] = sub.filter_tags
        out["bindingKey"] = sub.binding_keys
        return out

    def set_subscription_attributes(self, account: str, topic: str, name: str,
                                    attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change subscription attributes and return the full set."""
        with self._lock:
            found, sub = self._subscription(account, topic, name)
            sub.attributes.update(
                self._attributes(attributes, self.limits.subscription_attributes))
            sub.attributes["lastModifyTime"] = int(self._now())
            return self._describe_subscription(account, found, sub)

    def clear_filter_tags(self, account: str, topic: str, name: str) -> None:
        """Remove every filter tag of a subscription."""
        with self._lock:
            _, sub = self._subscription(account, topic, name)
            sub.attributes["filterTag"] = []
            sub.attributes["lastModifyTime"] = int(self._now())

    def list_subscriptions(self, account: str, topic: str, *, offset: int = 0,
                           limit: int | None = None, search_word: str | None = None,
                           names: Sequence[str] | None = None) -> Page:
        """Subscriptions of a topic in creation order."""
        with self._lock:
            found = self._topic(account, topic)
            chosen = _listed((s.name for s in found.subscriptions.values()), search_word, names)
            items = [self._describe_subscription(account, found,
                                                 found.subscriptions[n.lower()])
                     for n in chosen]
            return _page(items, offset, limit)

    # -- lifecycle ----------------------------------------------------------------------------
    def sweep(self) -> None:
        """Apply expiries, visibility changes and dead-letter moves to every queue now."""
        with self._lock:
            now = self._now()
            for account, space in self._accounts.items():
                for queue in list(space.queues.values()):
                    self._refresh(account, queue, now)
                    if queue.has_visible():
                        self._wake(queue)

    async def _sweep_forever(self) -> None:
        while True:
            await self.clock.sleep(SWEEP_SECONDS)
            self.sweep()

    async def start(self) -> None:
        """Start background work (expiry sweep, push delivery) on the running loop."""
        await self.push.start()
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def aclose(self) -> None:
        """Stop background work and cancel pending push retries."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.push.aclose()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
