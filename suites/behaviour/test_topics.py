"""Topics: fan-out to queue subscriptions, msgTag/filterTag rules, binding/routing keys, quotas."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import (
    LEGACY,
    V3,
    call,
    check_error,
    drain,
    expect_error,
    expect_ok,
    limit,
    param,
    receive_visible,
)

from cmqconform.provision import Resources

#: Upper bound on waiting for a published message to reach a subscribed queue.
SETTLE = 5.0


def _topic(res: Any, filter_type: int | None = None) -> str:
    """A topic without subscriptions (pooled, lent empty: these scenarios subscribe their own
    queues, publish and delete their subscriptions)."""
    attrs = (("filtertype", filter_type),) if filter_type is not None else ()
    return str(res.emptied("topic", slot=str(filter_type), attrs=attrs))


def _lent_topic(res: Any, filter_type: int | None = None) -> str:
    """The topic :func:`_topic` lent (or :meth:`Resources.reuse` gave back with its
    subscriptions)."""
    return str(res.names[("topic", str(filter_type))])


def _subscribe(session: Any, res: Any, topic: str, slot: str, **extra: Any) -> str:
    """A queue subscription of ``topic`` into an empty queue (pooled, emptied); returns the
    queue name."""
    queue = str(res.emptied("queue", slot=slot))
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    expect_ok(session, LEGACY, "Subscribe", "cmq.legacy.Subscribe.queue_endpoint",
              topicname=topic, subscriptionname=name, protocol="queue", endpoint=queue,
              notifycontentformat="SIMPLIFIED", **extra)
    res.names[("subscription", slot)] = name
    return queue


def _received(session: Any, queue: str) -> list[str]:
    """Bodies delivered to ``queue``: waits for the first one, then drains."""
    first = receive_visible(session, queue, SETTLE)
    return [] if first is None else [str(first.data["msgBody"]), *drain(session, queue)]


@pytest.mark.parametrize("action", ["PublishMessage", "BatchPublishMessage"])
@pytest.mark.clause("cmq.legacy.PublishMessage.delivers_to_every_subscription",
                    "cmq.legacy.PublishMessage.queue_protocol_enqueues",
                    "cmq.legacy.BatchPublishMessage.delivers_to_every_subscription",
                    "cmq.legacy.BatchPublishMessage.queue_protocol_enqueues",
                    "cmq.legacy.BatchPublishMessage.msg_list_per_message",
                    "cmq.legacy.push.queue_delivery", "cmq.legacy.Subscribe.queue_endpoint")
def test_fan_out_to_every_queue_subscription(cmq_session: Any, cmq_resources: Any,
                                             action: str) -> None:
    """A message published to a topic reaches every queue subscription."""
    res = cmq_resources(LEGACY)
    # The topic, its three queue subscriptions and their queues are kept together by the
    # worker once a case received everything (the other action's case takes them emptied).
    chain = "fan-out to three queue subscriptions"
    if not res.reuse(chain):
        made = _topic(res)
        for i in range(3):
            _subscribe(cmq_session, res, made, f"q{i}")
    topic = _lent_topic(res)
    queues = [res.names[("queue", f"q{i}")] for i in range(3)]
    bodies = ["fan-out"] if action == "PublishMessage" else ["fan-1", "fan-2"]
    body = bodies[0] if action == "PublishMessage" else bodies
    got = expect_ok(cmq_session, LEGACY, action, topicname=topic, msgbody=body)
    if action == "BatchPublishMessage":
        ids = [item["msgId"] for item in got.data["msgList"]]
        assert len(ids) == len(bodies) == len(set(ids))
    for queue in queues:
        assert sorted(_received(cmq_session, queue)) == bodies, f"{queue} missed the fan-out"
    res.keep(chain)


@pytest.mark.parametrize("action", ["PublishMessage", "BatchPublishMessage"])
@pytest.mark.clause("cmq.legacy.PublishMessage.filter_rule_1",
                    "cmq.legacy.PublishMessage.filter_rule_2",
                    "cmq.legacy.PublishMessage.filter_rule_3",
                    "cmq.legacy.PublishMessage.filter_type_tags",
                    "cmq.legacy.BatchPublishMessage.filter_rule_1",
                    "cmq.legacy.BatchPublishMessage.filter_rule_2",
                    "cmq.legacy.BatchPublishMessage.filter_rule_3",
                    "cmq.legacy.BatchPublishMessage.filter_type_tags",
                    "cmq.v3.CreateSubscribe.filter_no_tags_receives_all",
                    "cmq.v3.CreateSubscribe.filter_intersection",
                    "cmq.v3.CreateSubscribe.filter_tags_without_msgtag")
def test_filter_tag_rules(cmq_session: Any, cmq_resources: Any, action: str) -> None:
    """Rules 1-3: no filterTag gets all; filterTag gets intersecting msgTags, never untagged."""
    res = cmq_resources(LEGACY)
    # The topic, its three subscriptions and their queues are kept together by the worker
    # once a case received everything (the other action's case takes them emptied).
    chain = "filter tags: none, x, x or y"
    if not res.reuse(chain):
        made = _topic(res, 1)
        _subscribe(cmq_session, res, made, "all")
        _subscribe(cmq_session, res, made, "x", filtertag=["x"])
        _subscribe(cmq_session, res, made, "xy", filtertag=["x", "y"])
    topic = _lent_topic(res, 1)
    every, only_x, x_or_y = (res.names[("queue", slot)] for slot in ("all", "x", "xy"))
    publishes = [("untagged", None), ("tag-y", ["y"]), ("tag-z", ["z"]),
                 ("tag-xz", ["x", "z"])]
    for body, tags in publishes:
        extra = {"msgtag": tags} if tags else {}
        # routingKey is ignored on a filterType 1 topic.
        expect_ok(cmq_session, LEGACY, action, topicname=topic,
                  msgbody=body if action == "PublishMessage" else [body],
                  routingkey="ignored.key", **extra)
    expected = {every: ["tag-xz", "tag-y", "tag-z", "untagged"], only_x: ["tag-xz"],
                x_or_y: ["tag-xz", "tag-y"]}
    for queue, bodies in expected.items():
        got = sorted(_received(cmq_session, queue))
        assert got == bodies, f"subscription into {queue}: expected {bodies}; received {got}"
    res.keep(chain)


@pytest.mark.clause("cmq.legacy.PublishMessage.no_subscription",
                    "cmq.legacy.condition.topic_no_subscription",
                    "cmq.legacy.PublishMessage.no_matching_subscription",
                    "cmq.legacy.BatchPublishMessage.no_matching_subscription",
                    "cmq.legacy.condition.no_matching_subscription",
                    "cmq.legacy.BatchPublishMessage.no_subscription")
def test_publish_without_subscription(cmq_session: Any, cmq_resources: Any) -> None:
    """Publishing to a topic with no subscription answers 6030; with no match, 6030 too."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 1)
    expect_error(cmq_session, LEGACY, "topic_no_subscription", "PublishMessage",
                 "cmq.legacy.PublishMessage.no_subscription", topicname=topic, msgbody="void")
    expect_error(cmq_session, LEGACY, "topic_no_subscription", "BatchPublishMessage",
                 "cmq.legacy.BatchPublishMessage.no_subscription", topicname=topic,
                 msgbody=["void"])
    _subscribe(cmq_session, res, topic, "x", filtertag=["x"])
    expect_error(cmq_session, LEGACY, "no_matching_subscription", "PublishMessage",
                 "cmq.legacy.PublishMessage.no_matching_subscription", topicname=topic,
                 msgbody="nobody", msgtag=["z"])
    expect_error(cmq_session, LEGACY, "no_matching_subscription", "BatchPublishMessage",
                 "cmq.legacy.BatchPublishMessage.no_matching_subscription", topicname=topic,
                 msgbody=["nobody"], msgtag=["z"])


def _words(count: int) -> str:
    return ".".join(f"w{i}" for i in range(count))


#: (bindingKey, routingKey, delivered). '*' is exactly one word, '#' one or more words here:
#: the zero-word '#' case is left out (erratum routing-key-hash).
ROUTES = [
    ("a.b.c", "a.b.c", True),
    ("a.b.c", "a.b.d", False),
    ("a.*.c", "a.b.c", True),
    ("a.*.c", "a.b.b.c", False),
    ("*.b", "a.b", True),
    ("a.*", "a.b.c", False),
    ("a.#", "a.b.c", True),
    ("#.c", "a.b.c", True),
    ("#", "x.y.z", True),
    ("a.#", "b.c", False),
    (_words(16), _words(16), True),
    ("*" + _words(16)[2:], _words(16), True),
]


@pytest.mark.parametrize(("binding", "routing", "delivered"), ROUTES,
                         ids=[f"{b[:20]}~{r[:20]}" for b, r, _ in ROUTES])
@pytest.mark.clause("cmq.legacy.PublishMessage.filter_type_binding_key",
                    "cmq.legacy.Subscribe.queue_endpoint")
def test_binding_key_matches_routing_key(cmq_session: Any, cmq_resources: Any, binding: str,
                                         routing: str, delivered: bool) -> None:
    """A filterType 2 topic delivers exactly where the bindingKey matches the routingKey."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 2)
    matched = _subscribe(cmq_session, res, topic, "k", bindingkey=[binding])
    # Where no delivery is expected, a catch-all subscription shows the message was routed at
    # all (the control); where one is, the matched queue's own delivery shows it.
    catch_all = None if delivered else _subscribe(cmq_session, res, topic, "all",
                                                  bindingkey=["#"])
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="routed",
              routingkey=routing)
    if catch_all is not None:
        assert _received(cmq_session, catch_all) == ["routed"]
    got = _received(cmq_session, matched) if delivered else drain(cmq_session, matched)
    assert got == (["routed"] if delivered else []), (
        f"bindingKey {binding!r}, routingKey {routing!r}: expected "
        f"{'delivery' if delivered else 'no delivery'}; received {got}")


@pytest.mark.clause("cmq.legacy.BatchPublishMessage.filter_type_binding_key")
def test_batch_publish_routes_by_binding_key(cmq_session: Any, cmq_resources: Any) -> None:
    """A batch on a filterType 2 topic reaches exactly the subscriptions whose key matches."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 2)
    star = _subscribe(cmq_session, res, topic, "star", bindingkey=["a.*"])
    hash_b = _subscribe(cmq_session, res, topic, "hash", bindingkey=["b.#"])
    expect_ok(cmq_session, LEGACY, "BatchPublishMessage", topicname=topic,
              msgbody=["r1", "r2"], routingkey="a.x")
    assert sorted(_received(cmq_session, star)) == ["r1", "r2"]
    assert drain(cmq_session, hash_b) == [], "bindingKey b.# received routingKey a.x"


@pytest.mark.clause("cmq.legacy.Subscribe.binding_key_required",
                    "cmq.legacy.condition.missing_binding_key",
                    "cmq.legacy.PublishMessage.routing_key_required",
                    "cmq.legacy.BatchPublishMessage.routing_key_required",
                    "cmq.legacy.condition.missing_routing_key")
def test_filter_type_2_needs_binding_and_routing_keys(cmq_session: Any,
                                                      cmq_resources: Any) -> None:
    """On a filterType 2 topic, Subscribe needs bindingKey and a publish needs routingKey."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 2)
    queue = str(res.emptied("queue", slot="keyless"))
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    expect_error(cmq_session, LEGACY, "missing_binding_key", "Subscribe",
                 "cmq.legacy.Subscribe.binding_key_required", topicname=topic,
                 subscriptionname=name, protocol="queue", endpoint=queue,
                 notifycontentformat="SIMPLIFIED")
    keyed = _subscribe(cmq_session, res, topic, "keyed", bindingkey=["#"])
    expect_error(cmq_session, LEGACY, "missing_routing_key", "PublishMessage",
                 "cmq.legacy.PublishMessage.routing_key_required", topicname=topic,
                 msgbody="no key")
    expect_error(cmq_session, LEGACY, "missing_routing_key", "BatchPublishMessage",
                 "cmq.legacy.BatchPublishMessage.routing_key_required", topicname=topic,
                 msgbody=["no key"])
    assert drain(cmq_session, keyed) == [], "a publish refused for its missing key was delivered"


@pytest.mark.parametrize("action", ["PublishMessage", "BatchPublishMessage"])
@pytest.mark.clause("cmq.legacy.PublishMessage.message_too_large",
                    "cmq.legacy.BatchPublishMessage.message_too_large",
                    "cmq.legacy.condition.message_too_large")
def test_publish_body_over_topic_max_refused(cmq_session: Any, cmq_resources: Any,
                                             action: str) -> None:
    """A body of exactly the topic's maxMsgSize is published; one byte more is refused."""
    res = cmq_resources(LEGACY)
    size = int(param(cmq_session, LEGACY, "CreateTopic", "maxMsgSize").min)
    # A topic of the smallest maxMsgSize lent emptied, its subscription and queue kept with it
    # by the worker once a case received what it published (the other action's case takes
    # them).
    chain = f"a topic of maxMsgSize {size} and its queue subscription"
    if not res.reuse(chain):
        made = str(res.emptied("topic", slot="small", attrs=(("maxmsgsize", size),)))
        _subscribe(cmq_session, res, made, "q")
    topic = str(res.names[("topic", "small")])
    queue = str(res.names[("queue", "q")])

    def body(text: str) -> Any:
        return text if action == "PublishMessage" else [text]

    expect_ok(cmq_session, LEGACY, action, topicname=topic, msgbody=body("x" * size))
    expect_error(cmq_session, LEGACY, "message_too_large", action,
                 f"cmq.legacy.{action}.message_too_large", topicname=topic,
                 msgbody=body("y" * (size + 1)))
    assert _received(cmq_session, queue) == ["x" * size]
    res.keep(chain)


@pytest.mark.clause("cmq.legacy.SetSubscriptionAttributes.filter_tags_apply")
def test_new_filter_tags_govern_next_publish(cmq_session: Any, cmq_resources: Any) -> None:
    """After SetSubscriptionAttributes filterTag, publishes match the new tags, not the old."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 1)
    queue = _subscribe(cmq_session, res, topic, "x", filtertag=["x"])
    expect_ok(cmq_session, LEGACY, "SetSubscriptionAttributes", topicname=topic,
              subscriptionname=res.names[("subscription", "x")], filtertag=["y"])
    expect_error(cmq_session, LEGACY, "no_matching_subscription", "PublishMessage",
                 "cmq.legacy.SetSubscriptionAttributes.filter_tags_apply", topicname=topic,
                 msgbody="old tag", msgtag=["x"])
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="new tag",
              msgtag=["y"])
    assert _received(cmq_session, queue) == ["new tag"]


@pytest.mark.clause("cmq.legacy.condition.too_many_delimiters",
                    "cmq.v3.condition.too_many_delimiters",
                    "cmq.legacy.PublishMessage.routing_key_dots",
                    "cmq.legacy.BatchPublishMessage.routing_key_dots",
                    "cmq.legacy.Subscribe.binding_key_dots",
                    "cmq.v3.CreateSubscribe.binding_key_dots",
                    "cmq.legacy.SetSubscriptionAttributes.binding_key_dots",
                    "cmq.v3.ModifySubscriptionAttribute.binding_key_dots")
def test_keys_with_one_dot_too_many_refused(cmq_session: Any, cmq_resources: Any) -> None:
    """A binding or routing key of 16 dots (one over 15) is refused on both surfaces."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 2)
    over = _words(limit(cmq_session, "binding_key_max_dots") + 2)
    queue = str(res.emptied("queue", slot="over"))
    for api, action in ((LEGACY, "Subscribe"), (V3, "CreateSubscribe")):
        name = res.namer.name()
        res.created.append(("subscription", name, topic))
        expect_error(cmq_session, api, "too_many_delimiters", action, topicname=topic,
                     subscriptionname=name, protocol="queue", endpoint=queue,
                     notifycontentformat="SIMPLIFIED", bindingkey=[over])
    _subscribe(cmq_session, res, topic, "ok", bindingkey=["#"])
    name = res.names[("subscription", "ok")]
    for api, action in ((LEGACY, "SetSubscriptionAttributes"),
                        (V3, "ModifySubscriptionAttribute")):
        expect_error(cmq_session, api, "too_many_delimiters", action,
                     f"{api}.{action}.binding_key_dots", topicname=topic,
                     subscriptionname=name, bindingkey=[over])
    expect_error(cmq_session, LEGACY, "too_many_delimiters", "PublishMessage",
                 "cmq.legacy.PublishMessage.routing_key_dots", topicname=topic, msgbody="x",
                 routingkey=over)
    expect_error(cmq_session, LEGACY, "too_many_delimiters", "BatchPublishMessage",
                 "cmq.legacy.BatchPublishMessage.routing_key_dots", topicname=topic,
                 msgbody=["x"], routingkey=over)


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.ClearSubscriptionFilterTags.clears_filter_tags",
                    "cmq.legacy.ClearSubscriptionFilterTags.clears_filter_tags")
def test_clear_subscription_filter_tags(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """After ClearSubscriptionFilterTags a subscription lists no tags and receives everything."""
    res = cmq_resources(LEGACY)
    topic = _topic(res, 1)
    queue = _subscribe(cmq_session, res, topic, "x", filtertag=["x"])
    name = res.names[("subscription", "x")]
    expect_ok(cmq_session, api, "ClearSubscriptionFilterTags", topicname=topic,
              subscriptionname=name)
    listed = expect_ok(cmq_session, V3, "DescribeSubscriptionDetail", topicname=topic)
    tags = [s.get("FilterTags") for s in listed.data["SubscriptionSet"]]
    assert tags in ([[]], [None]), f"FilterTags after the clear: {tags}"
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="untagged")
    assert _received(cmq_session, queue) == ["untagged"]


def _declared(target: Any, key: str) -> int:
    value = target.declared_limits.get(key)
    if value is None:
        pytest.skip(f"the target does not declare {key} as affordable (declared_limits.{key})")
    return int(value)


@pytest.mark.clause("cmq.legacy.Subscribe.subscription_quota",
                    "cmq.v3.CreateSubscribe.subscription_quota",
                    "cmq.legacy.condition.subscription_quota",
                    "cmq.v3.condition.subscription_quota")
def test_subscriptions_per_topic_quota(cmq_session: Any, cmq_resources: Any) -> None:
    """A topic holds the declared number of subscriptions; one more is refused."""
    most = _declared(cmq_session.target, "subscriptions_per_topic")
    res = cmq_resources(LEGACY)
    topic = _topic(res)
    queue = str(res.emptied("queue"))
    for _ in range(most):
        name = res.namer.name()
        res.created.append(("subscription", name, topic))
        expect_ok(cmq_session, LEGACY, "Subscribe", topicname=topic, subscriptionname=name,
                  protocol="queue", endpoint=queue, notifycontentformat="SIMPLIFIED")
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    got = call(cmq_session, LEGACY, "Subscribe", topicname=topic, subscriptionname=name,
               protocol="queue", endpoint=queue, notifycontentformat="SIMPLIFIED")
    check_error(cmq_session, LEGACY, "subscription_quota", got, f"Subscribe number {most + 1}",
                "cmq.legacy.Subscribe.subscription_quota")
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    got = call(cmq_session, V3, "CreateSubscribe", topicname=topic, subscriptionname=name,
               protocol="queue", endpoint=queue, notifycontentformat="SIMPLIFIED")
    check_error(cmq_session, V3, "subscription_quota", got,
                f"CreateSubscribe number {most + 1}", "cmq.v3.CreateSubscribe.subscription_quota")


@pytest.mark.slow
@pytest.mark.clause("cmq.legacy.CreateTopic.topic_quota", "cmq.legacy.condition.topic_quota",
                    "cmq.v3.condition.topic_quota")
def test_topics_per_account_quota(cmq_second_session: Any, cmq_resources: Any) -> None:
    """An account holds the declared number of topics; one more is refused.

    Filled in the second account, so the scenarios running beside it can still create topics.
    """
    session = cmq_second_session
    most = _declared(session.target, "topics")
    res = Resources(session, LEGACY, cmq_resources(LEGACY).namer)
    try:
        have = int(expect_ok(session, V3, "DescribeTopicDetail").data["TotalCount"])
        for i in range(most - have):
            res.create("topic", slot=f"t{i}")
        name = res.namer.name()
        res.created.append(("topic", name, None))
        expect_error(session, LEGACY, "topic_quota", "CreateTopic",
                     "cmq.legacy.CreateTopic.topic_quota", topicname=name)
        name = res.namer.name()
        res.created.append(("topic", name, None))
        expect_error(session, V3, "topic_quota", "CreateTopic", "cmq.v3.condition.topic_quota",
                     topicname=name)
    finally:
        res.cleanup()
