"""Topics and subscriptions as resources: create, read back, modify, list, page and delete."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import (
    LEGACY,
    V3,
    call,
    check_error,
    expect_error,
    expect_ok,
    held_at_least,
    param,
)

#: An http endpoint for subscriptions that never receive a publish (nothing is pushed to it).
UNUSED_ENDPOINT = "http://127.0.0.1:9/cmqc-unused"


def _new_topic(session: Any, res: Any, api: str, **attrs: Any) -> tuple[str, str]:
    """CreateTopic with ``attrs``; returns (name, the id the create returned)."""
    name = res.namer.name()
    res.created.append(("topic", name, None))
    got = expect_ok(session, api, "CreateTopic", f"{api}.CreateTopic.creates_topic",
                    topicname=name, **attrs)
    return name, str(got.data["TopicId" if api == V3 else "topicId"])


def _v3_topic(session: Any, name: str) -> dict[str, Any]:
    got = expect_ok(session, V3, "DescribeTopicDetail", topicname=name)
    items = got.data.get("TopicSet") or []
    assert len(items) == 1, f"DescribeTopicDetail TopicName={name}: listed {len(items)} topics"
    return items[0]  # type: ignore[no-any-return]


def _subscribe(session: Any, res: Any, api: str, topic: str, **attrs: Any) -> tuple[str, Any]:
    """A subscription of ``topic`` (queue endpoint unless told); returns (name, the answer)."""
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    action = "CreateSubscribe" if api == V3 else "Subscribe"
    got = call(session, api, action, topicname=topic, subscriptionname=name, **attrs)
    return name, got


def _v3_subscriptions(session: Any, topic: str, **extra: Any) -> tuple[int, list[dict[str, Any]]]:
    got = expect_ok(session, V3, "DescribeSubscriptionDetail", topicname=topic, **extra)
    return int(got.data["TotalCount"]), list(got.data.get("SubscriptionSet") or [])


@pytest.mark.clause("cmq.legacy.CreateTopic.creates_topic",
                    "cmq.legacy.GetTopicAttributes.reflects_creation",
                    "cmq.legacy.GetTopicAttributes.retention_fixed",
                    "cmq.legacy.CreateTopic.maxMsgSize.default",
                    "cmq.legacy.CreateTopic.filterType.default")
def test_legacy_topic_reads_back(cmq_session: Any, cmq_resources: Any) -> None:
    """A legacy topic reads back with its id, the attributes given or defaulted, 86400 s."""
    res = cmq_resources(LEGACY)
    size = param(cmq_session, LEGACY, "CreateTopic", "maxMsgSize")
    retention = param(cmq_session, V3, "CreateTopic", "MsgRetentionSeconds").max
    filter_type = param(cmq_session, LEGACY, "CreateTopic", "filterType").default
    given = {"maxmsgsize": size.min, "filtertype": 2}
    for attrs, expected in ((given, (size.min, 2)), ({}, (size.default, filter_type))):
        name, topic_id = _new_topic(cmq_session, res, LEGACY, **attrs)
        got = expect_ok(cmq_session, LEGACY, "GetTopicAttributes", topicname=name).data
        assert (got["maxMsgSize"], got["filterType"]) == expected, (
            f"CreateTopic {attrs or 'name only'}: read maxMsgSize/filterType "
            f"{(got['maxMsgSize'], got['filterType'])}, expected {expected} "
            "(cmq.legacy.GetTopicAttributes.reflects_creation)")
        assert got["topicId"] == topic_id
        assert got["msgRetentionSeconds"] == retention, (
            f"msgRetentionSeconds {got['msgRetentionSeconds']}, documented as fixed to "
            f"{retention} (cmq.legacy.GetTopicAttributes.retention_fixed)")
        assert got["createTime"] <= got["lastModifyTime"]
        listed = expect_ok(cmq_session, LEGACY, "ListTopic", searchword=name).data
        assert [t["topicName"] for t in listed["topicList"]] == [name]
        assert listed["topicList"][0]["topicId"] == topic_id


@pytest.mark.clause("cmq.v3.CreateTopic.creates_topic", "cmq.v3.CreateTopic.trace_default_off",
                    "cmq.v3.DescribeTopicDetail.exact_name",
                    "cmq.v3.CreateTopic.MaxMsgSize.default",
                    "cmq.v3.CreateTopic.MsgRetentionSeconds.default")
def test_v3_topic_reads_back(cmq_session: Any, cmq_resources: Any) -> None:
    """A v3 topic is listed by exact name with its id, the attributes given or defaulted."""
    res = cmq_resources(V3)
    size = param(cmq_session, V3, "CreateTopic", "MaxMsgSize")
    retention = param(cmq_session, V3, "CreateTopic", "MsgRetentionSeconds")
    given = {"maxmsgsize": size.min, "msgretentionseconds": retention.min}
    for attrs, expected in ((given, (size.min, retention.min)),
                            ({}, (size.default, retention.default))):
        name, topic_id = _new_topic(cmq_session, res, V3, **attrs)
        got = _v3_topic(cmq_session, name)
        assert got["TopicName"] == name and got["TopicId"] == topic_id
        assert (got["MaxMsgSize"], got["MsgRetentionSeconds"]) == expected, (
            f"CreateTopic {attrs or 'name only'}: listed MaxMsgSize/MsgRetentionSeconds "
            f"{(got['MaxMsgSize'], got['MsgRetentionSeconds'])}, expected {expected}")
        assert not got.get("Trace"), (
            f"CreateTopic without Trace lists Trace={got.get('Trace')!r} "
            "(cmq.v3.CreateTopic.trace_default_off)")
        none = expect_ok(cmq_session, V3, "DescribeTopicDetail", topicname=name + "x")
        assert none.data["TotalCount"] == 0 and not none.data.get("TopicSet")


@pytest.mark.clause("cmq.v3.CreateQueue.trace_default_off")
def test_v3_queue_trace_off_by_default(cmq_session: Any, cmq_resources: Any) -> None:
    """A queue created without Trace does not list message trace as enabled."""
    queue = cmq_resources(V3).create("queue")
    got = expect_ok(cmq_session, V3, "DescribeQueueDetail", queuename=queue).data["QueueSet"]
    assert len(got) == 1 and not got[0].get("Trace"), (
        f"CreateQueue without Trace lists Trace={got[0].get('Trace')!r} "
        "(cmq.v3.CreateQueue.trace_default_off)")


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.CreateTopic.name_unique", "cmq.legacy.CreateTopic.name_unique")
def test_topic_names_unique(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """Creating a topic whose name exists is refused (topic_exists)."""
    res = cmq_resources(api)
    topic = str(res.create("topic"))
    expect_error(cmq_session, api, "topic_exists", "CreateTopic", f"{api}.CreateTopic.name_unique",
                 topicname=topic)


@pytest.mark.clause("cmq.legacy.SetTopicAttributes.sets_max_msg_size",
                    "cmq.legacy.CreateTopic.filter_type_immutable")
def test_legacy_topic_attributes_change(cmq_session: Any, cmq_resources: Any) -> None:
    """SetTopicAttributes changes maxMsgSize; filterType keeps its created value regardless."""
    res = cmq_resources(LEGACY)
    topic = str(res.create("topic", attrs=(("filtertype", 2),)))
    before = expect_ok(cmq_session, LEGACY, "GetTopicAttributes", topicname=topic).data
    size = param(cmq_session, LEGACY, "SetTopicAttributes", "maxMsgSize").min
    expect_ok(cmq_session, LEGACY, "SetTopicAttributes",
              "cmq.legacy.SetTopicAttributes.sets_max_msg_size", topicname=topic, maxmsgsize=size)
    after = expect_ok(cmq_session, LEGACY, "GetTopicAttributes", topicname=topic).data
    assert after["maxMsgSize"] == size, f"maxMsgSize after the set: {after['maxMsgSize']}"
    assert after["lastModifyTime"] >= before["lastModifyTime"]
    # filterType is no parameter of SetTopicAttributes: a target may refuse or ignore it, but
    # the topic must keep filterType 2 either way.
    call(cmq_session, LEGACY, "SetTopicAttributes", topicname=topic, filterType=1)
    now = expect_ok(cmq_session, LEGACY, "GetTopicAttributes", topicname=topic).data
    assert now["filterType"] == 2, (
        f"filterType changed to {now['filterType']} (cmq.legacy.CreateTopic.filter_type_immutable)")


@pytest.mark.clause("cmq.v3.ModifyTopicAttribute.modifies_attributes",
                    "cmq.v3.ModifyTopicAttribute.omitted_unchanged")
def test_v3_topic_attributes_change_one_at_a_time(cmq_session: Any, cmq_resources: Any) -> None:
    """ModifyTopicAttribute changes what it is sent and keeps what it is not."""
    topic = str(cmq_resources(V3).create("topic"))
    size = param(cmq_session, V3, "ModifyTopicAttribute", "MaxMsgSize").min
    retention = param(cmq_session, V3, "ModifyTopicAttribute", "MsgRetentionSeconds").min
    start = _v3_topic(cmq_session, topic)
    expected = {"MaxMsgSize": start["MaxMsgSize"], "MsgRetentionSeconds":
                start["MsgRetentionSeconds"]}
    for name, value in (("MaxMsgSize", size), ("MsgRetentionSeconds", retention)):
        expect_ok(cmq_session, V3, "ModifyTopicAttribute", topicname=topic,
                  **{name.lower(): value})
        expected[name] = value
        got = _v3_topic(cmq_session, topic)
        assert {k: got[k] for k in expected} == expected, (
            f"ModifyTopicAttribute {name}={value}: expected {expected}; listed "
            f"{ {k: got[k] for k in expected} }")


def _words_of(name: str) -> str:
    """The run and worker prefix of a resource name: this worker's resources carry it."""
    return name.rsplit("-", 2)[0] + "-"


@pytest.mark.clause("cmq.v3.DescribeTopicDetail.page_size",
                    "cmq.v3.DescribeTopicDetail.filter_topic_name",
                    "cmq.v3.DescribeTopicDetail.exact_name", "cmq.v3.DescribeTopicDetail.tag_key",
                    "cmq.v3.DescribeTopicDetail.Limit.default",
                    "cmq.v3.DescribeTopicDetail.Offset.default",
                    "cmq.legacy.ListTopic.paging", "cmq.legacy.ListTopic.search_word_fuzzy",
                    "cmq.legacy.ListTopic.total_count_unpaged",
                    "cmq.legacy.ListTopic.limit.default", "cmq.legacy.ListTopic.offset.default")
def test_topic_listing_pages_and_filters(cmq_session: Any, cmq_resources: Any,
                                        cmq_run: Any) -> None:
    """Topics page by 20 by default, by Offset/Limit, and filter by name, word and TagKey."""
    # Listing is the subject, not creation: more than a page of this worker's topics, those its
    # pools keep topped up with ones its lender lends as they are (legacy-made, as the
    # publishing scenarios borrow them), made only when none is free.
    res = cmq_resources(LEGACY)
    default = param(cmq_session, V3, "DescribeTopicDetail", "Limit")
    topics = held_at_least(res, "topic", default.default + 1, (cmq_run.pool, cmq_run.lender))
    word = _words_of(topics[0])
    filters = [{"Name": "TopicName", "Values": [word]}]

    first = expect_ok(cmq_session, V3, "DescribeTopicDetail", filters=filters)
    page = [t["TopicName"] for t in first.data["TopicSet"]]
    assert len(page) == default.default, f"no Limit: {len(page)} listed, expected 20"
    zero = expect_ok(cmq_session, V3, "DescribeTopicDetail", filters=filters, offset=0,
                     limit=default.default)
    assert [t["TopicName"] for t in zero.data["TopicSet"]] == page, "no Offset is not Offset 0"
    everything = [t["TopicName"] for t in expect_ok(
        cmq_session, V3, "DescribeTopicDetail", filters=filters,
        limit=default.max).data["TopicSet"]]
    assert set(topics) <= set(everything) and all(word in t for t in everything), (
        f"Filters TopicName={word}: listed {everything}")
    assert first.data["TotalCount"] == len(everything)
    seen: list[str] = []
    for offset in range(0, len(everything), 8):
        got = expect_ok(cmq_session, V3, "DescribeTopicDetail", filters=filters, offset=offset,
                        limit=8)
        assert len(got.data["TopicSet"]) <= 8
        seen += [t["TopicName"] for t in got.data["TopicSet"]]
    assert sorted(seen) == sorted(everything), "Offset/Limit pages overlap or leave gaps"
    exact = expect_ok(cmq_session, V3, "DescribeTopicDetail", topicname=topics[5])
    assert [t["TopicName"] for t in exact.data["TopicSet"]] == [topics[5]]
    tagged = expect_ok(cmq_session, V3, "DescribeTopicDetail", tagkey=res.namer.name())
    assert not tagged.data.get("TopicSet"), "TagKey nobody carries lists topics"

    legacy = expect_ok(cmq_session, LEGACY, "ListTopic", searchword=word).data
    assert len(legacy["topicList"]) == default.default
    assert legacy["totalCount"] == len(everything)
    zero = expect_ok(cmq_session, LEGACY, "ListTopic", searchword=word, offset=0,
                     limit=default.default).data
    assert zero["topicList"] == legacy["topicList"], "ListTopic without offset is not offset 0"
    pages: list[str] = []
    for offset in range(0, len(everything), 9):
        got = expect_ok(cmq_session, LEGACY, "ListTopic", searchword=word, offset=offset,
                        limit=9).data
        assert got["totalCount"] == len(everything) and len(got["topicList"]) <= 9
        pages += [t["topicName"] for t in got["topicList"]]
    assert sorted(pages) == sorted(everything)
    # A substring from inside one name (its counter and pid) finds that topic.
    inner = topics[7][len(word):]
    found = expect_ok(cmq_session, LEGACY, "ListTopic", searchword=inner).data
    assert topics[7] in [t["topicName"] for t in found["topicList"]], (
        f"ListTopic searchWord={inner!r} (a substring of {topics[7]}): listed {found}")


@pytest.mark.clause("cmq.v3.DescribeSubscriptionDetail.page_size",
                    "cmq.v3.DescribeSubscriptionDetail.filter_subscription_name",
                    "cmq.v3.DescribeSubscriptionDetail.Limit.default",
                    "cmq.v3.DescribeSubscriptionDetail.Offset.default",
                    "cmq.legacy.ListSubscriptionByTopic.paging",
                    "cmq.legacy.ListSubscriptionByTopic.search_word_fuzzy",
                    "cmq.legacy.ListSubscriptionByTopic.total_count_unpaged",
                    "cmq.legacy.ListSubscriptionByTopic.limit.default",
                    "cmq.legacy.ListSubscriptionByTopic.offset.default")
def test_subscription_listing_pages_and_filters(cmq_session: Any, cmq_resources: Any) -> None:
    """A topic's subscriptions page by 20 by default, by Offset/Limit, and filter by name."""
    res = cmq_resources(LEGACY)
    # Lent without subscriptions; the scenario's own are deleted before it goes back.
    topic = str(res.emptied("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    default = param(cmq_session, V3, "DescribeSubscriptionDetail", "Limit")
    names = []
    for _ in range(default.default + 1):
        name, got = _subscribe(cmq_session, res, LEGACY, topic, protocol="queue", endpoint=queue,
                               notifycontentformat="SIMPLIFIED")
        assert got.ok, got.describe()
        names.append(name)
    names.sort()

    total, page = _v3_subscriptions(cmq_session, topic)
    assert (total, len(page)) == (len(names), default.default), (
        f"no Limit: TotalCount {total}, {len(page)} listed; expected {len(names)} and 20")
    assert _v3_subscriptions(cmq_session, topic, offset=0, limit=default.default)[1] == page, (
        "DescribeSubscriptionDetail without Offset is not Offset 0")
    seen: list[str] = []
    for offset in range(0, len(names), 8):
        total, page = _v3_subscriptions(cmq_session, topic, offset=offset, limit=8)
        assert total == len(names) and len(page) <= 8
        seen += [s["SubscriptionName"] for s in page]
    assert sorted(seen) == names, "Offset/Limit pages overlap or leave gaps"
    total, page = _v3_subscriptions(cmq_session, topic, filters=[
        {"Name": "SubscriptionName", "Values": [names[4]]}])
    assert [s["SubscriptionName"] for s in page] == [names[4]], (
        f"Filters SubscriptionName={names[4]}: listed {[s['SubscriptionName'] for s in page]}")

    legacy = expect_ok(cmq_session, LEGACY, "ListSubscriptionByTopic", topicname=topic).data
    assert len(legacy["subscriptionList"]) == default.default
    assert legacy["totalCount"] == len(names)
    zero = expect_ok(cmq_session, LEGACY, "ListSubscriptionByTopic", topicname=topic, offset=0,
                     limit=default.default).data
    assert zero["subscriptionList"] == legacy["subscriptionList"], (
        "ListSubscriptionByTopic without offset is not offset 0")
    pages: list[str] = []
    for offset in range(0, len(names), 9):
        got = expect_ok(cmq_session, LEGACY, "ListSubscriptionByTopic", topicname=topic,
                        offset=offset, limit=9).data
        assert got["totalCount"] == len(names) and len(got["subscriptionList"]) <= 9
        pages += [s["subscriptionName"] for s in got["subscriptionList"]]
    assert sorted(pages) == names
    inner = names[6][len(_words_of(names[6])):]
    found = expect_ok(cmq_session, LEGACY, "ListSubscriptionByTopic", topicname=topic,
                      searchword=inner).data
    listed = [s["subscriptionName"] for s in found["subscriptionList"]]
    assert names[6] in listed and all(inner in n for n in listed), (
        f"ListSubscriptionByTopic searchWord={inner!r}: listed {listed}")
    assert found["totalCount"] == len(listed)


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.CreateSubscribe.creates_subscription",
                    "cmq.v3.CreateSubscribe.name_unique_in_topic",
                    "cmq.v3.CreateSubscribe.queue_default_simplified",
                    "cmq.v3.DeleteTopic.refuses_with_subscriptions",
                    "cmq.v3.condition.topic_has_subscriptions",
                    "cmq.v3.DeleteSubscribe.deletes_subscription",
                    "cmq.legacy.Subscribe.name_unique",
                    "cmq.legacy.DeleteTopic.refused_with_subscriptions",
                    "cmq.legacy.condition.topic_has_subscriptions",
                    "cmq.legacy.Unsubscribe.deletes_subscription")
def test_subscription_lifecycle(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """Subscribe lists it, a same name is refused, the topic cannot go until it is deleted."""
    res = cmq_resources(api)
    topic = str(res.create("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    # API 3.0 leaves NotifyContentFormat out (queue defaults to SIMPLIFIED); legacy defaults
    # to JSON, which a queue endpoint refuses, so it is given there.
    fmt = {} if api == V3 else {"notifycontentformat": "SIMPLIFIED"}
    name, got = _subscribe(cmq_session, res, api, topic, protocol="queue", endpoint=queue, **fmt)
    assert got.ok, (f"subscribe protocol=queue {fmt or 'without NotifyContentFormat'}: "
                    f"{got.describe()} (cmq.v3.CreateSubscribe.queue_default_simplified)")
    listed = [s for s in _v3_subscriptions(cmq_session, topic)[1]
              if s["SubscriptionName"] == name]
    assert len(listed) == 1 and listed[0]["Endpoint"] == queue
    assert listed[0]["NotifyContentFormat"] == "SIMPLIFIED"
    if api == V3:
        assert listed[0]["SubscriptionId"] == got.data["SubscriptionId"]
        assert listed[0]["Protocol"] == "queue"
    again = call(cmq_session, api, "CreateSubscribe" if api == V3 else "Subscribe",
                 topicname=topic, subscriptionname=name, protocol="queue", endpoint=queue,
                 notifycontentformat="SIMPLIFIED")
    unique = {V3: "cmq.v3.CreateSubscribe.name_unique_in_topic",
              LEGACY: "cmq.legacy.Subscribe.name_unique"}[api]
    check_error(cmq_session, api, "subscription_exists", again, f"second subscribe of {name}",
                unique)

    expect_error(cmq_session, api, "topic_has_subscriptions", "DeleteTopic",
                 f"{api}.condition.topic_has_subscriptions", topicname=topic)
    assert _v3_topic(cmq_session, topic)["TopicName"] == topic, "the refused DeleteTopic removed it"

    delete = "DeleteSubscribe" if api == V3 else "Unsubscribe"
    expect_ok(cmq_session, api, delete, topicname=topic, subscriptionname=name)
    assert _v3_subscriptions(cmq_session, topic) == (0, [])
    expect_error(cmq_session, api, "subscription_not_found", delete, topicname=topic,
                 subscriptionname=name)
    # Nothing is delivered to the deleted subscription: the topic has none left (6030).
    expect_error(cmq_session, LEGACY, "topic_no_subscription", "PublishMessage", topicname=topic,
                 msgbody="after unsubscribe")
    expect_error(cmq_session, LEGACY, "no_message", "ReceiveMessage", queuename=queue,
                 pollingwaitseconds=0)
    expect_ok(cmq_session, api, "DeleteTopic", topicname=topic)


@pytest.mark.clause("cmq.v3.condition.queue_protocol_format")
def test_v3_queue_subscription_refuses_json(cmq_session: Any, cmq_resources: Any) -> None:
    """A queue subscription with NotifyContentFormat JSON is refused on API 3.0."""
    res = cmq_resources(V3)
    topic = str(res.create("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    _, got = _subscribe(cmq_session, res, V3, topic, protocol="queue", endpoint=queue,
                        notifycontentformat="JSON")
    check_error(cmq_session, V3, "queue_protocol_format", got,
                "CreateSubscribe protocol=queue NotifyContentFormat=JSON",
                "cmq.v3.condition.queue_protocol_format")


@pytest.mark.clause("cmq.v3.ModifySubscriptionAttribute.queue_protocol_simplified",
                    "cmq.legacy.SetSubscriptionAttributes.queue_protocol_simplified")
@pytest.mark.parametrize("api", [V3, LEGACY])
def test_queue_subscription_cannot_switch_to_json(cmq_session: Any, cmq_resources: Any,
                                                  api: str) -> None:
    """A queue subscription cannot switch NotifyContentFormat to JSON; it stays SIMPLIFIED."""
    res = cmq_resources(api)
    topic = str(res.create("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    name, got = _subscribe(cmq_session, res, api, topic, protocol="queue", endpoint=queue,
                           notifycontentformat="SIMPLIFIED")
    assert got.ok, got.describe()
    action = "ModifySubscriptionAttribute" if api == V3 else "SetSubscriptionAttributes"
    clause = f"{api}.{action}.queue_protocol_simplified"
    got = call(cmq_session, api, action, topicname=topic, subscriptionname=name,
               notifycontentformat="JSON")
    check_error(cmq_session, api, "queue_protocol_format", got,
                f"{action} NotifyContentFormat=JSON on a queue subscription", clause)
    if api == V3:
        listed = _v3_subscriptions(cmq_session, topic)[1][0]["NotifyContentFormat"]
    else:
        listed = expect_ok(cmq_session, api, "GetSubscriptionAttributes", topicname=topic,
                           subscriptionname=name).data["notifyContentFormat"]
    assert listed == "SIMPLIFIED", f"after the refused {action}: {listed} ({clause})"


@pytest.mark.clause("cmq.v3.CreateSubscribe.http_default_json",
                    "cmq.v3.CreateSubscribe.NotifyStrategy.default",
                    "cmq.v3.ModifySubscriptionAttribute.modifies_attributes",
                    "cmq.v3.ModifySubscriptionAttribute.omitted_unchanged")
def test_v3_http_subscription_defaults_and_changes(cmq_session: Any, cmq_resources: Any) -> None:
    """An http subscription defaults to JSON; each change reads back and keeps the rest."""
    res = cmq_resources(V3)
    for filter_type, key, old, new in ((1, "FilterTags", ["a"], ["b", "c"]),
                                       (2, "BindingKey", ["a.b"], ["c.#"])):
        topic = str(res.create("topic", slot=str(filter_type),
                               attrs=(("filtertype", filter_type),)))
        create_key = "filtertag" if key == "FilterTags" else "bindingkey"
        name, got = _subscribe(cmq_session, res, V3, topic, protocol="http",
                               endpoint=UNUSED_ENDPOINT, **{create_key: old})
        assert got.ok, got.describe()
        start = _v3_subscriptions(cmq_session, topic)[1][0]
        strategy = param(cmq_session, V3, "CreateSubscribe", "NotifyStrategy").default
        assert (start["NotifyContentFormat"], start["NotifyStrategy"]) == ("JSON", strategy), (
            f"http subscription created without NotifyContentFormat/NotifyStrategy lists "
            f"{start['NotifyContentFormat']}/{start['NotifyStrategy']} "
            "(cmq.v3.CreateSubscribe.http_default_json)")
        fields = ("NotifyStrategy", "NotifyContentFormat", key)
        expected = {k: start[k] for k in fields}
        for field, value in (("NotifyStrategy", "BACKOFF_RETRY"),
                             ("NotifyContentFormat", "SIMPLIFIED"), (key, new)):
            expect_ok(cmq_session, V3, "ModifySubscriptionAttribute", topicname=topic,
                      subscriptionname=name, **{field.lower(): value})
            expected[field] = value
            now = _v3_subscriptions(cmq_session, topic)[1][0]
            assert {k: now[k] for k in fields} == expected, (
                f"ModifySubscriptionAttribute {field}={value}: expected {expected}; listed "
                f"{ {k: now[k] for k in fields} }")


@pytest.mark.clause("cmq.legacy.SetSubscriptionAttributes.sets_attributes",
                    "cmq.legacy.Subscribe.notifyContentFormat.default",
                    "cmq.legacy.Subscribe.notifyStrategy.default")
def test_legacy_subscription_attributes_change(cmq_session: Any, cmq_resources: Any) -> None:
    """SetSubscriptionAttributes changes what it is sent; the rest and createTime stay."""
    res = cmq_resources(LEGACY)
    topic = str(res.create("topic", attrs=(("filtertype", 2),)))
    name, got = _subscribe(cmq_session, res, LEGACY, topic, protocol="http",
                           endpoint=UNUSED_ENDPOINT, bindingkey=["a.b"])
    assert got.ok, got.describe()

    def read() -> dict[str, Any]:
        return dict(expect_ok(cmq_session, LEGACY, "GetSubscriptionAttributes", topicname=topic,
                              subscriptionname=name).data)

    start = read()
    defaults = (param(cmq_session, LEGACY, "Subscribe", "notifyContentFormat").default,
                param(cmq_session, LEGACY, "Subscribe", "notifyStrategy").default)
    assert (start["notifyContentFormat"], start["notifyStrategy"]) == defaults
    fields = ("notifyStrategy", "notifyContentFormat", "bindingKey")
    expected = {k: start[k] for k in fields}
    for field, value in (("notifyStrategy", "BACKOFF_RETRY"),
                         ("notifyContentFormat", "SIMPLIFIED"), ("bindingKey", ["c.#"])):
        expect_ok(cmq_session, LEGACY, "SetSubscriptionAttributes", topicname=topic,
                  subscriptionname=name, **{field.lower(): value})
        expected[field] = value
        now = read()
        assert {k: now[k] for k in fields} == expected, (
            f"SetSubscriptionAttributes {field}={value}: expected {expected}; read "
            f"{ {k: now[k] for k in fields} } "
            "(cmq.legacy.SetSubscriptionAttributes.sets_attributes)")
        assert now["lastModifyTime"] >= start["lastModifyTime"]
        assert now["createTime"] == start["createTime"] and now["endpoint"] == UNUSED_ENDPOINT



@pytest.mark.clause("cmq.legacy.Subscribe.endpoint_format", "cmq.legacy.condition.endpoint_format",
                    "cmq.legacy.Subscribe.endpoint_no_blanks",
                    "cmq.legacy.condition.endpoint_blank",
                    "cmq.v3.CreateSubscribe.endpoint_queue_name",
                    "cmq.v3.CreateSubscribe.endpoint_http_prefix",
                    "cmq.v3.condition.endpoint_format")
def test_endpoint_must_suit_the_protocol(cmq_session: Any, cmq_resources: Any) -> None:
    """An http endpoint needs http:// and no blanks; a queue endpoint names the queue fed."""
    res = cmq_resources(V3)
    topic = str(res.create("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    _, got = _subscribe(cmq_session, res, V3, topic, protocol="http",
                        endpoint="127.0.0.1/cmqc-no-scheme")
    check_error(cmq_session, V3, "endpoint_format", got,
                "CreateSubscribe Protocol=http Endpoint without http://",
                "cmq.v3.CreateSubscribe.endpoint_http_prefix")
    _, got = _subscribe(cmq_session, res, LEGACY, topic, protocol="http",
                        endpoint="127.0.0.1/cmqc-no-scheme")
    check_error(cmq_session, LEGACY, "endpoint_format", got, "Subscribe endpoint without http://",
                "cmq.legacy.Subscribe.endpoint_format")
    _, got = _subscribe(cmq_session, res, LEGACY, topic, protocol="http",
                        endpoint="http://127.0.0.1/cmqc blank")
    check_error(cmq_session, LEGACY, "endpoint_blank", got, "Subscribe endpoint with a blank",
                "cmq.legacy.Subscribe.endpoint_no_blanks")
    _, got = _subscribe(cmq_session, res, V3, topic, protocol="queue", endpoint=queue)
    assert got.ok, f"CreateSubscribe Protocol=queue Endpoint={queue}: {got.describe()}"
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="to the queue")
    got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", "cmq.v3.CreateSubscribe."
                    "endpoint_queue_name", queuename=queue, pollingwaitseconds=5)
    assert got.data["msgBody"] == "to the queue"
