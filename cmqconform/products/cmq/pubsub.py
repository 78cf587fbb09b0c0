"""Topic and subscription operations of :class:`~cmqconform.products.cmq.state.Backend`.

A mixin: the queue side (``_enqueue``, ``_refresh``, ``_wake``) and the plumbing live in
state.py; publishing to a ``queue`` subscription goes through them under the same lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import Mutants
from cmqconform.products.cmq.ids import app_id, numeric_id, resource_id
from cmqconform.products.cmq.limits import Limits
from cmqconform.products.cmq.matching import dots, subscription_matches
from cmqconform.products.cmq.namespace import Account, listed, page_of
from cmqconform.products.cmq.push import Delivery, PushDeliverer, PushResult
from cmqconform.products.cmq.queues import Queue
from cmqconform.products.cmq.records import Page
from cmqconform.products.cmq.topics import Subscription, Topic


class TopicOps:
    """Topics, subscriptions and publishing; mixed into Backend, which provides the rest."""

    limits: Limits
    #: Fewest words ``#`` matches (erratum routing-key-hash; see matching.py).
    hash_min_words: int
    mutants: Mutants
    push: PushDeliverer
    push_results: list[PushResult]
    _lock: contextlib.AbstractContextManager[Any]
    _accounts: dict[str, Account]

    if TYPE_CHECKING:
        def _account(self, account: str) -> Account: ...
        def _now(self) -> float: ...
        def _reserve_name(self, account: Account, kind: str, name: str, now: float) -> None: ...
        def _attributes(self, given: Mapping[str, Any] | None,
                        known: Mapping[str, str]) -> dict[str, Any]: ...
        def _refresh(self, account: str, queue: Queue, now: float) -> None: ...
        def _enqueue(self, queue: Queue, bodies: Sequence[str], delay_seconds: int,
                     now: float) -> list[str]: ...
        def _wake(self, queue: Queue) -> None: ...

    def _routed(self, topic: Topic) -> bool:
        routing = self.limits.filter_type_routing
        return routing is not None and topic.attributes.get("filterType") == routing

    def _check_delimiters(self, keys: Sequence[str], limit: int | None, param: str) -> None:
        for key in keys:
            slack = 1 if self.mutants.active("key-dots-off-by-one") else 0
            if limit is not None and dots(key) > limit + slack:
                raise Fault("too_many_delimiters",
                            f"parameter {param} has more than {limit} '.' delimiters: "
                            f"{dots(key)}", param)

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
            return self._describe_topic(account, self._topic(account, name))

    def _describe_topic(self, account: str, topic: Topic) -> dict[str, Any]:
        out: dict[str, Any] = {"topicId": topic.topic_id, "topicName": topic.name,
                               "createUin": int(app_id(account))}
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
            return self._describe_topic(account, topic)

    def list_topics(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Topics in creation order, filtered like :meth:`list_queues`."""
        with self._lock:
            space = self._account(account)
            if tag_key is not None:
                return Page(0, ())
            chosen = listed((t.name for t in space.topics.values()), search_word, names)
            items = [self._describe_topic(account, space.topics[n.lower()]) for n in chosen]
            return page_of(items, offset, limit, self.mutants)

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
            routed = self._routed(found)
            if routed and routing_key is None:
                raise Fault("missing_routing_key", "parameter routingKey is missing",
                            "routingKey")
            if routing_key is not None:
                self._check_delimiters([routing_key], self.limits.routing_key_max_dots,
                                       "routingKey")
            targets = [sub for sub in found.subscriptions.values()
                       if subscription_matches(routed, sub.filter_tags, sub.binding_keys,
                                               msg_tags, routing_key, self.hash_min_words,
                                               self.mutants)]
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
            content_format=str(self.limits.subscription_defaults.get("notifyContentFormat")
                               if self.mutants.active("push-format-ignored")
                               else attrs.get("notifyContentFormat")),
            strategy=str(attrs.get("notifyStrategy") or ""), topic_owner=app_id(account),
            topic_name=topic.name, subscription_name=sub.name, msg_id=msg_id, msg_body=body,
            msg_tag=tags, publish_time=int(now), subscription_id=sub.subscription_id))

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
            if protocol == "http":
                self._check_http_endpoint(endpoint)
            if self._routed(found) and not attrs.get("bindingKey"):
                raise Fault("missing_binding_key", "parameter bindingKey is missing",
                            "bindingKey")
            self._check_delimiters(attrs.get("bindingKey") or (),
                                   self.limits.binding_key_max_dots, "bindingKey")
            now = int(self._now())
            attrs["createTime"] = attrs["lastModifyTime"] = now
            sub = Subscription(resource_id("subsc"), name, attrs)
            found.subscriptions[name.lower()] = sub
            return sub.subscription_id

    def _check_http_endpoint(self, endpoint: str) -> None:
        if any(c.isspace() for c in endpoint):
            raise Fault("endpoint_blank", "the endpoint contains blanks", "endpoint")
        pattern = self.limits.http_endpoint
        if pattern is not None and not pattern.search(endpoint):
            raise Fault("endpoint_format", f"an http endpoint must match {pattern.pattern}",
                        "endpoint")

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
                               "topicOwner": app_id(account), "msgCount": sub.pending}
        out.update(sub.attributes)
        out["filterTag"] = sub.filter_tags
        out["bindingKey"] = sub.binding_keys
        return out

    def set_subscription_attributes(self, account: str, topic: str, name: str,
                                    attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change subscription attributes and return the full set."""
        with self._lock:
            found, sub = self._subscription(account, topic, name)
            changes = self._attributes(attributes, self.limits.subscription_attributes)
            if sub.attributes.get("protocol") == "queue" and changes.get(
                    "notifyContentFormat", "SIMPLIFIED") != "SIMPLIFIED":
                raise Fault("queue_protocol_format", "a queue subscription pushes SIMPLIFIED "
                            "messages only", "notifyContentFormat")
            self._check_delimiters(changes.get("bindingKey") or (),
                                   self.limits.binding_key_max_dots, "bindingKey")
            sub.attributes.update(changes)
            sub.attributes["lastModifyTime"] = int(self._now())
            return self._describe_subscription(account, found, sub)

    def clear_filter_tags(self, account: str, topic: str, name: str) -> None:
        """Remove every filter tag of a subscription."""
        with self._lock:
            _, sub = self._subscription(account, topic, name)
            if not self.mutants.active("clear-filter-tags-noop"):
                sub.attributes["filterTag"] = []
            sub.attributes["lastModifyTime"] = int(self._now())

    def list_subscriptions(self, account: str, topic: str, *, offset: int = 0,
                           limit: int | None = None, search_word: str | None = None,
                           names: Sequence[str] | None = None) -> Page:
        """Subscriptions of a topic in creation order."""
        with self._lock:
            found = self._topic(account, topic)
            chosen = listed((s.name for s in found.subscriptions.values()), search_word, names)
            items = [self._describe_subscription(account, found,
                                                 found.subscriptions[n.lower()])
                     for n in chosen]
            return page_of(items, offset, limit, self.mutants)

