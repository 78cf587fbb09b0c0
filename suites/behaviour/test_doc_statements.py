"""What a success returns, held to the doc's exact statements (issue 21, the external deviations).

The external deviation catalog (``cmqconform mutate --external``) found successes checked more
loosely than the doc states them; each scenario here closes such a hole:

- every member of an answer has exactly its documented JSON type (an ``Int`` is a JSON integer,
  never 30.0 nor "30"; an array is an array; a non-nullable member is never null), read
  as the ``strict_json_types`` check reads them;
- values read back exactly as they were set or returned: bodies with whitespace at the edges and
  characters each dialect escapes, names as created (case included), endpoints, ids;
- times in Unix seconds, on the clock of the call (enqueue time, next visible time, creation);
- every message of a batch is accounted for, and RequestIds differ from one request to the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from behaviour_steps import LEGACY, V3, call, expect_error, expect_ok

from cmqconform.checks.types import json_type, type_breaches
from cmqconform.properties.messages import fidelity_bodies
from cmqconform.provision import Resources
from cmqconform.spec import load_specs
from cmqconform.verdicts import Exchange

#: Bodies that stress fidelity: the property cases' own (edges, line ends, NFC and NFD, astral
#: characters, characters each dialect escapes; not the largest), plus whitespace alone and
#: no-break spaces at the edges.
BODIES = (*(body for label, body in fidelity_bodies(0).items() if label != "largest"),
          " ", "\u00a0nbsp\u00a0")
#: Slack on times stated in seconds (the call's own second, either side).
SKEW = 2


def type_failures(api: str, action: str, got: Exchange) -> list[str]:
    """Each required member missing from a success answer, and each member whose JSON type is
    not the documented one (the ``strict_json_types`` check's reading), naming its clause."""
    spec = load_specs().api(api)
    members = spec.actions[action].response
    out = [f"{api}.{action}.response.{m.name}: missing" for m in members
           if m.required and m.name not in got.data]
    out += [f"{api}.{action}.response.{path.split('/', 1)[0]}: {path}: {json_type(value)} "
            f"{value!r} is not a {member.type}{' or null' if member.nullable else ''}"
            for path, member, value in type_breaches(spec, members, got.data)]
    return out


@pytest.fixture
def strict(cmq_session: Any) -> Callable[..., Exchange]:
    """A step: call, require success and exactly typed members."""
    def step(api: str, action: str, **params: Any) -> Exchange:
        got = expect_ok(cmq_session, api, action, **params)
        problems = type_failures(api, action, got)
        assert not problems, f"{action} {params}: members not of their documented type: {problems}"
        return got
    return step


def _subscription(session: Any, res: Resources, topic: str, queue: str, **extra: Any) -> str:
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    expect_ok(session, LEGACY, "Subscribe", topicname=topic, subscriptionname=name,
              protocol="queue", endpoint=queue, notifycontentformat="SIMPLIFIED", **extra)
    return name


@pytest.mark.clause("cmq.legacy.CreateQueue.response.code",
                    "cmq.legacy.CreateQueue.response.message",
                    "cmq.legacy.CreateQueue.response.requestId",
                    "cmq.legacy.CreateQueue.response.queueId",
                    "cmq.legacy.SendMessage.response.code",
                    "cmq.legacy.SendMessage.response.message",
                    "cmq.legacy.SendMessage.response.requestId",
                    "cmq.legacy.SendMessage.response.msgId",
                    "cmq.legacy.BatchSendMessage.response.code",
                    "cmq.legacy.BatchSendMessage.response.message",
                    "cmq.legacy.BatchSendMessage.response.requestId",
                    "cmq.legacy.BatchSendMessage.response.msgList",
                    "cmq.legacy.ReceiveMessage.response.code",
                    "cmq.legacy.ReceiveMessage.response.message",
                    "cmq.legacy.ReceiveMessage.response.requestId",
                    "cmq.legacy.ReceiveMessage.response.msgBody",
                    "cmq.legacy.ReceiveMessage.response.msgId",
                    "cmq.legacy.ReceiveMessage.response.receiptHandle",
                    "cmq.legacy.ReceiveMessage.response.enqueueTime",
                    "cmq.legacy.ReceiveMessage.response.nextVisibleTime",
                    "cmq.legacy.ReceiveMessage.response.dequeueCount",
                    "cmq.legacy.ReceiveMessage.response.firstDequeueTime",
                    "cmq.legacy.BatchReceiveMessage.response.code",
                    "cmq.legacy.BatchReceiveMessage.response.message",
                    "cmq.legacy.BatchReceiveMessage.response.requestId",
                    "cmq.legacy.BatchReceiveMessage.response.msgInfoList",
                    "cmq.legacy.DeleteMessage.response.code",
                    "cmq.legacy.DeleteMessage.response.message",
                    "cmq.legacy.DeleteMessage.response.requestId",
                    "cmq.legacy.GetQueueAttributes.response.code",
                    "cmq.legacy.GetQueueAttributes.response.message",
                    "cmq.legacy.GetQueueAttributes.response.requestId",
                    "cmq.legacy.GetQueueAttributes.response.codeDesc",
                    "cmq.legacy.GetQueueAttributes.response.maxMsgHeapNum",
                    "cmq.legacy.GetQueueAttributes.response.pollingWaitSeconds",
                    "cmq.legacy.GetQueueAttributes.response.visibilityTimeout",
                    "cmq.legacy.GetQueueAttributes.response.maxMsgSize",
                    "cmq.legacy.GetQueueAttributes.response.msgRetentionSeconds",
                    "cmq.legacy.GetQueueAttributes.response.createTime",
                    "cmq.legacy.GetQueueAttributes.response.lastModifyTime",
                    "cmq.legacy.GetQueueAttributes.response.activeMsgNum",
                    "cmq.legacy.GetQueueAttributes.response.inactiveMsgNum",
                    "cmq.legacy.GetQueueAttributes.response.delayMsgNum",
                    "cmq.legacy.GetQueueAttributes.response.rewindSeconds",
                    "cmq.legacy.GetQueueAttributes.response.rewindMsgNum",
                    "cmq.legacy.GetQueueAttributes.response.rewindmsgNum",
                    "cmq.legacy.GetQueueAttributes.response.minMsgTime",
                    "cmq.legacy.GetQueueAttributes.response.queueName",
                    "cmq.legacy.GetQueueAttributes.response.queueId",
                    "cmq.legacy.GetQueueAttributes.response.createUin",
                    "cmq.legacy.GetQueueAttributes.response.Bps",
                    "cmq.legacy.GetQueueAttributes.response.qps",
                    "cmq.legacy.GetQueueAttributes.response.tags",
                    "cmq.legacy.SetQueueAttributes.response.code",
                    "cmq.legacy.SetQueueAttributes.response.message",
                    "cmq.legacy.SetQueueAttributes.response.requestId",
                    "cmq.legacy.SetQueueAttributes.response.queueId",
                    "cmq.legacy.SetQueueAttributes.response.maxMsgHeapNum",
                    "cmq.legacy.SetQueueAttributes.response.pollingWaitSeconds",
                    "cmq.legacy.SetQueueAttributes.response.visibilityTimeout",
                    "cmq.legacy.SetQueueAttributes.response.maxMsgSize",
                    "cmq.legacy.SetQueueAttributes.response.msgRetentionSeconds",
                    "cmq.legacy.SetQueueAttributes.response.rewindSeconds",
                    "cmq.legacy.ListQueue.response.code", "cmq.legacy.ListQueue.response.message",
                    "cmq.legacy.ListQueue.response.requestId",
                    "cmq.legacy.ListQueue.response.totalCount",
                    "cmq.legacy.ListQueue.response.queueList")
def test_legacy_queue_and_message_answers_have_their_documented_types(
        strict: Any, cmq_resources: Any) -> None:
    """Every member of every queue and message answer is exactly of its documented type."""
    res = cmq_resources(LEGACY)
    queue = res.namer.name()
    res.created.append(("queue", queue, None))
    strict(LEGACY, "CreateQueue", queuename=queue, visibilitytimeout=30)
    strict(LEGACY, "SendMessage", queuename=queue, msgbody="typed")
    strict(LEGACY, "BatchSendMessage", queuename=queue, msgbody=["t1", "t2"])
    got = strict(LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=1)
    # The two messages left: a batch of 16 would cost 16 rate units for nothing more.
    strict(LEGACY, "BatchReceiveMessage", queuename=queue, numofmsg=2, pollingwaitseconds=1)
    strict(LEGACY, "DeleteMessage", queuename=queue, receipthandle=got.data["receiptHandle"])
    strict(LEGACY, "GetQueueAttributes", queuename=queue)
    strict(LEGACY, "SetQueueAttributes", queuename=queue, visibilitytimeout=31)
    strict(LEGACY, "ListQueue", searchword=queue, limit=10)


@pytest.mark.clause("cmq.legacy.CreateTopic.response.code",
                    "cmq.legacy.CreateTopic.response.message",
                    "cmq.legacy.CreateTopic.response.requestId",
                    "cmq.legacy.CreateTopic.response.topicId",
                    "cmq.legacy.Subscribe.response.code", "cmq.legacy.Subscribe.response.message",
                    "cmq.legacy.Subscribe.response.requestId",
                    "cmq.legacy.Subscribe.response.codeDesc",
                    "cmq.legacy.Subscribe.response.subscriptionId",
                    "cmq.legacy.PublishMessage.response.code",
                    "cmq.legacy.PublishMessage.response.message",
                    "cmq.legacy.PublishMessage.response.requestId",
                    "cmq.legacy.PublishMessage.response.msgId",
                    "cmq.legacy.BatchPublishMessage.response.code",
                    "cmq.legacy.BatchPublishMessage.response.message",
                    "cmq.legacy.BatchPublishMessage.response.requestId",
                    "cmq.legacy.BatchPublishMessage.response.msgList",
                    "cmq.legacy.GetTopicAttributes.response.code",
                    "cmq.legacy.GetTopicAttributes.response.message",
                    "cmq.legacy.GetTopicAttributes.response.requestId",
                    "cmq.legacy.GetTopicAttributes.response.codeDesc",
                    "cmq.legacy.GetTopicAttributes.response.msgCount",
                    "cmq.legacy.GetTopicAttributes.response.maxMsgSize",
                    "cmq.legacy.GetTopicAttributes.response.msgRetentionSeconds",
                    "cmq.legacy.GetTopicAttributes.response.createTime",
                    "cmq.legacy.GetTopicAttributes.response.lastModifyTime",
                    "cmq.legacy.GetTopicAttributes.response.filterType",
                    "cmq.legacy.GetTopicAttributes.response.createUin",
                    "cmq.legacy.GetTopicAttributes.response.qps",
                    "cmq.legacy.GetTopicAttributes.response.topicId",
                    "cmq.legacy.GetTopicAttributes.response.tags",
                    "cmq.legacy.GetSubscriptionAttributes.response.code",
                    "cmq.legacy.GetSubscriptionAttributes.response.message",
                    "cmq.legacy.GetSubscriptionAttributes.response.requestId",
                    "cmq.legacy.GetSubscriptionAttributes.response.topicOwner",
                    "cmq.legacy.GetSubscriptionAttributes.response.msgCount",
                    "cmq.legacy.GetSubscriptionAttributes.response.protocol",
                    "cmq.legacy.GetSubscriptionAttributes.response.endpoint",
                    "cmq.legacy.GetSubscriptionAttributes.response.notifyStrategy",
                    "cmq.legacy.GetSubscriptionAttributes.response.notifyContentFormat",
                    "cmq.legacy.GetSubscriptionAttributes.response.createTime",
                    "cmq.legacy.GetSubscriptionAttributes.response.lastModifyTime",
                    "cmq.legacy.GetSubscriptionAttributes.response.bindingKey",
                    "cmq.legacy.GetSubscriptionAttributes.response.filterTags",
                    "cmq.legacy.ListTopic.response.code", "cmq.legacy.ListTopic.response.message",
                    "cmq.legacy.ListTopic.response.requestId",
                    "cmq.legacy.ListTopic.response.totalCount",
                    "cmq.legacy.ListTopic.response.topicList",
                    "cmq.legacy.ListSubscriptionByTopic.response.code",
                    "cmq.legacy.ListSubscriptionByTopic.response.message",
                    "cmq.legacy.ListSubscriptionByTopic.response.requestId",
                    "cmq.legacy.ListSubscriptionByTopic.response.totalCount",
                    "cmq.legacy.ListSubscriptionByTopic.response.subscriptionList",
                    "cmq.legacy.GetSubscriptionAttributes.reflects_subscribe")
def test_legacy_topic_and_subscription_answers_have_their_documented_types(
        strict: Any, cmq_session: Any, cmq_resources: Any) -> None:
    """Every member of every topic and subscription answer is exactly of its documented type
    (bindingKey an array of strings, msgCount and filterType integers)."""
    res = cmq_resources(LEGACY)
    # The subscription's endpoint only receives: lent emptied (the topic's creation is typed).
    queue = str(res.emptied("queue"))
    topic = res.namer.name()
    res.created.append(("topic", topic, None))
    strict(LEGACY, "CreateTopic", topicname=topic, filtertype=2)
    name = _subscription(cmq_session, res, topic, queue, bindingkey=["typed.*"])
    got = strict(LEGACY, "GetSubscriptionAttributes", topicname=topic, subscriptionname=name)
    read = (got.data.get("bindingKey"), got.data.get("notifyContentFormat"))
    assert read == (["typed.*"], "SIMPLIFIED"), (
        f"GetSubscriptionAttributes: bindingKey, notifyContentFormat {read}, subscribed with "
        "['typed.*'], 'SIMPLIFIED' (cmq.legacy.GetSubscriptionAttributes.reflects_subscribe)")
    strict(LEGACY, "PublishMessage", topicname=topic, msgbody="p", routingkey="typed.one")
    strict(LEGACY, "BatchPublishMessage", topicname=topic, msgbody=["b1", "b2"],
           routingkey="typed.two")
    strict(LEGACY, "GetTopicAttributes", topicname=topic)
    strict(LEGACY, "ListTopic", searchword=topic, limit=10)
    strict(LEGACY, "ListSubscriptionByTopic", topicname=topic, limit=10)


@pytest.mark.clause("cmq.v3.CreateQueue.response.QueueId",
                    "cmq.v3.CreateQueue.response.RequestId",
                    "cmq.v3.CreateTopic.response.TopicId",
                    "cmq.v3.CreateTopic.response.RequestId",
                    "cmq.v3.CreateSubscribe.response.SubscriptionId",
                    "cmq.v3.CreateSubscribe.response.RequestId",
                    "cmq.v3.DescribeQueueDetail.response.TotalCount",
                    "cmq.v3.DescribeQueueDetail.response.QueueSet",
                    "cmq.v3.DescribeQueueDetail.response.RequestId",
                    "cmq.v3.DescribeTopicDetail.response.TotalCount",
                    "cmq.v3.DescribeTopicDetail.response.TopicSet",
                    "cmq.v3.DescribeTopicDetail.response.RequestId",
                    "cmq.v3.DescribeSubscriptionDetail.response.TotalCount",
                    "cmq.v3.DescribeSubscriptionDetail.response.SubscriptionSet",
                    "cmq.v3.DescribeSubscriptionDetail.response.RequestId")
def test_v3_answers_have_their_documented_types(strict: Any, cmq_resources: Any) -> None:
    """Every member of the API 3.0 creations and listings is exactly of its documented type
    (TotalCount an integer, Trace a boolean, BindingKey an array)."""
    res = cmq_resources(V3)
    queue, topic, sub = res.namer.name(), res.namer.name(), res.namer.name()
    res.created += [("queue", queue, None), ("topic", topic, None)]
    strict(V3, "CreateQueue", queuename=queue, visibilitytimeout=45, trace=True)
    strict(V3, "CreateTopic", topicname=topic, filtertype=2)
    res.created.append(("subscription", sub, topic))
    strict(V3, "CreateSubscribe", topicname=topic, subscriptionname=sub, protocol="queue",
           endpoint=queue, notifycontentformat="SIMPLIFIED", bindingkey=["a.b"])
    strict(V3, "DescribeQueueDetail", filters=[{"Name": "QueueName", "Values": [queue]}])
    strict(V3, "DescribeTopicDetail", topicname=topic)
    strict(V3, "DescribeSubscriptionDetail", topicname=topic)


@pytest.mark.clause("cmq.v3.DeleteTopic.deletes_topic", "cmq.v3.DeleteTopic.response.RequestId")
def test_v3_delete_topic_succeeds_and_the_topic_is_gone(cmq_session: Any,
                                                        cmq_resources: Any) -> None:
    """DeleteTopic of a topic without subscriptions answers success (no Error member) and the
    topic is no longer listed."""
    res = cmq_resources(V3)
    topic = res.namer.name()
    res.created.append(("topic", topic, None))
    expect_ok(cmq_session, V3, "CreateTopic", topicname=topic)
    expect_ok(cmq_session, V3, "DeleteTopic", "cmq.v3.DeleteTopic.deletes_topic", topicname=topic)
    res.created.remove(("topic", topic, None))
    got = expect_ok(cmq_session, V3, "DescribeTopicDetail",
                    filters=[{"Name": "TopicName", "Values": [topic]}])
    assert got.data["TopicSet"] == [], f"DescribeTopicDetail lists {topic} after DeleteTopic"


@pytest.mark.clause("cmq.legacy.SendMessage.sends_message", "cmq.legacy.SendMessage.unique_msg_id",
                    "cmq.legacy.ReceiveMessage.response.msgBody",
                    "cmq.legacy.ReceiveMessage.response.msgId")
def test_every_body_comes_back_byte_for_byte(cmq_session: Any, cmq_resources: Any) -> None:
    """Bodies with whitespace at the edges and escaped characters are received unchanged,
    each with the msgId SendMessage returned."""
    # Only sent to, received from and read: lent emptied.
    queue = str(cmq_resources(LEGACY).emptied("queue", attrs=(("visibilitytimeout", 30),)))
    sent = {}
    for body in BODIES:
        got = expect_ok(cmq_session, LEGACY, "SendMessage", queuename=queue, msgbody=body)
        sent[got.data["msgId"]] = body
    assert len(sent) == len(BODIES), "SendMessage returned a msgId twice"
    for _ in BODIES:
        got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue,
                        pollingwaitseconds=1)
        msg_id = got.data["msgId"]
        assert msg_id in sent, f"received msgId {msg_id!r}, not one SendMessage returned"
        assert got.data["msgBody"] == sent.pop(msg_id), (
            f"msgId {msg_id}: body {got.data['msgBody']!r} differs from the one sent")


@pytest.mark.clause("cmq.legacy.BatchSendMessage.sends_in_order",
                    "cmq.legacy.BatchSendMessage.response.msgList",
                    "cmq.legacy.BatchReceiveMessage.response.msgInfoList",
                    "cmq.legacy.BatchReceiveMessage.at_most_num_of_msg",
                    "cmq.legacy.BatchReceiveMessage.fills_num_of_msg",
                    "cmq.legacy.SendMessage.unique_msg_id")
def test_a_batch_round_trip_accounts_for_every_message(cmq_session: Any,
                                                       cmq_resources: Any) -> None:
    """BatchSendMessage answers one distinct msgId per body; with that many messages visible,
    one BatchReceiveMessage of numOfMsg = their number returns each of them, bodies unchanged."""
    # Only sent to, received from and read: lent emptied.
    queue = str(cmq_resources(LEGACY).emptied("queue", attrs=(("visibilitytimeout", 30),)))
    bodies = list(BODIES[:4])
    got = expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=bodies)
    ids = [item.get("msgId") for item in got.data["msgList"]]
    assert len(ids) == len(bodies) == len(set(ids)), (
        f"BatchSendMessage of {len(bodies)} bodies answered msgList {ids}")
    got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                    numofmsg=len(bodies), pollingwaitseconds=1)
    received = {m["msgId"]: m["msgBody"] for m in got.data["msgInfoList"]}
    assert len(got.data["msgInfoList"]) == len(bodies), (
        f"BatchReceiveMessage numOfMsg={len(bodies)} with {len(bodies)} visible returned "
        f"{len(got.data['msgInfoList'])} messages")
    assert received == dict(zip(ids, bodies, strict=True)), (
        f"BatchReceiveMessage returned {received}, sent {dict(zip(ids, bodies, strict=True))}")


@pytest.mark.clause("cmq.legacy.ReceiveMessage.enqueue_time",
                    "cmq.legacy.ReceiveMessage.visibility_timeout",
                    "cmq.legacy.ReceiveMessage.response.enqueueTime",
                    "cmq.legacy.ReceiveMessage.response.nextVisibleTime",
                    "cmq.legacy.GetQueueAttributes.response.createTime")
def test_times_are_unix_seconds_of_the_call(cmq_session: Any, cmq_resources: Any) -> None:
    """enqueueTime is the send's second, nextVisibleTime the receive's plus visibilityTimeout,
    createTime the creation's second — Unix seconds, not milliseconds, on the caller's clock."""
    vt = 30
    before = int(time.time())
    queue = str(cmq_resources(LEGACY).create("queue", attrs=(("visibilitytimeout", vt),)))
    created = expect_ok(cmq_session, LEGACY, "GetQueueAttributes", queuename=queue)
    expect_ok(cmq_session, LEGACY, "SendMessage", queuename=queue, msgbody="clock")
    sent = int(time.time())
    got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=1)
    after = int(time.time())
    stamp = created.data["createTime"]
    assert before - SKEW <= stamp <= after + SKEW, f"createTime {stamp}, created at {before}"
    enqueued = got.data["enqueueTime"]
    assert before - SKEW <= enqueued <= sent + SKEW, f"enqueueTime {enqueued}, sent at {sent}"
    visible = got.data["nextVisibleTime"]
    assert sent + vt - SKEW <= visible <= after + vt + SKEW, (
        f"nextVisibleTime {visible}: expected the receive ({sent}-{after}) + visibilityTimeout "
        f"{vt}")


@pytest.mark.clause("cmq.legacy.GetQueueAttributes.reflects_attributes",
                    "cmq.legacy.GetQueueAttributes.response.queueName",
                    "cmq.legacy.GetQueueAttributes.response.msgRetentionSeconds",
                    "cmq.legacy.SetQueueAttributes.changes_attributes",
                    "cmq.legacy.SetQueueAttributes.response.visibilityTimeout",
                    "cmq.legacy.SetQueueAttributes.response.msgRetentionSeconds")
def test_queue_attributes_read_back_exactly(cmq_session: Any, cmq_resources: Any) -> None:
    """queueName as created; what SetQueueAttributes sets, its answer and every later read
    state exactly."""
    queue = str(cmq_resources(LEGACY).create("queue", attrs=(("msgretentionseconds", 3600),)))
    attrs = expect_ok(cmq_session, LEGACY, "GetQueueAttributes", queuename=queue).data
    assert attrs["queueName"] == queue and attrs["msgRetentionSeconds"] == 3600, attrs
    changed = expect_ok(cmq_session, LEGACY, "SetQueueAttributes", queuename=queue,
                        visibilitytimeout=77, msgretentionseconds=7200).data
    assert (changed["visibilityTimeout"], changed["msgRetentionSeconds"]) == (77, 7200), changed
    attrs = expect_ok(cmq_session, LEGACY, "GetQueueAttributes", queuename=queue).data
    assert (attrs["visibilityTimeout"], attrs["msgRetentionSeconds"]) == (77, 7200), attrs


@pytest.mark.clause("cmq.legacy.ListQueue.response.queueList", "cmq.legacy.ListQueue.paging",
                    "cmq.legacy.ListTopic.response.topicList",
                    "cmq.legacy.ListTopic.search_word_fuzzy")
def test_listings_name_each_resource_once_as_created(cmq_session: Any,
                                                     cmq_resources: Any) -> None:
    """ListQueue and ListTopic list every match once, its name exactly as created."""
    res = cmq_resources(LEGACY)
    stem = res.namer.name()
    queues = [f"{stem}a", f"{stem}b"]
    for queue in queues:
        res.created.append(("queue", queue, None))
        expect_ok(cmq_session, LEGACY, "CreateQueue", queuename=queue)
    # The queues' names are the subject (made with a common stem); the topic is only listed.
    topic = str(res.emptied("topic"))
    got = call(cmq_session, LEGACY, "ListQueue", searchword=stem, limit=50)
    names = [q["queueName"] for q in got.data["queueList"]]
    assert sorted(n for n in names if n in queues) == queues and len(names) == len(set(names)), (
        f"ListQueue listed {names}; created {queues}")
    got = call(cmq_session, LEGACY, "ListTopic", searchword=topic, limit=50)
    assert [t["topicName"] for t in got.data["topicList"]] == [topic], got.data["topicList"]


@pytest.mark.clause("cmq.v3.CreateQueue.response.QueueId", "cmq.v3.CreateQueue.creates_queue",
                    "cmq.v3.DescribeQueueDetail.lists_queues",
                    "cmq.v3.DescribeSubscriptionDetail.lists_subscriptions",
                    "cmq.v3.DescribeSubscriptionDetail.response.SubscriptionSet")
def test_v3_reads_back_the_id_name_and_endpoint_as_created(cmq_session: Any,
                                                          cmq_resources: Any) -> None:
    """The QueueId CreateQueue returns is the one DescribeQueueDetail lists, under the name as
    given (case included); a subscription's Endpoint reads back exactly."""
    res = cmq_resources(V3)
    queue, topic, sub = f"{res.namer.name()}-Mixed", res.namer.name(), res.namer.name()
    res.created += [("queue", queue, None), ("topic", topic, None)]
    made = expect_ok(cmq_session, V3, "CreateQueue", queuename=queue)
    got = expect_ok(cmq_session, V3, "DescribeQueueDetail",
                    filters=[{"Name": "QueueName", "Values": [queue]}])
    listed = [(q.get("QueueId"), q.get("QueueName")) for q in got.data["QueueSet"]]
    assert listed == [(made.data["QueueId"], queue)], (
        f"CreateQueue {queue} returned QueueId {made.data['QueueId']}; listed {listed}")
    expect_ok(cmq_session, V3, "CreateTopic", topicname=topic)
    res.created.append(("subscription", sub, topic))
    expect_ok(cmq_session, V3, "CreateSubscribe", topicname=topic, subscriptionname=sub,
              protocol="queue", endpoint=queue, notifycontentformat="SIMPLIFIED")
    got = expect_ok(cmq_session, V3, "DescribeSubscriptionDetail", topicname=topic)
    assert [s.get("Endpoint") for s in got.data["SubscriptionSet"]] == [queue], got.data


@pytest.mark.clause("cmq.legacy.CreateQueue.response.requestId",
                    "cmq.legacy.DeleteQueue.response.requestId",
                    "cmq.v3.CreateQueue.response.RequestId",
                    "cmq.v3.DeleteQueue.response.RequestId")
@pytest.mark.parametrize("api", [LEGACY, V3])
def test_request_ids_differ_between_requests(cmq_session: Any, cmq_resources: Any,
                                             api: str) -> None:
    """Each answer, success or error, carries its own RequestId (the ID of that request)."""
    res = cmq_resources(api)
    names = [res.namer.name() for _ in range(2)]
    ids = []
    for name in names:
        ids.append(expect_ok(cmq_session, api, "CreateQueue", queuename=name).request_id)
        ids.append(expect_ok(cmq_session, api, "DeleteQueue", queuename=name).request_id)
    ids.append(call(cmq_session, api, "DeleteQueue", queuename=names[0]).request_id)
    assert len(set(ids)) == len(ids), f"{api}: RequestIds repeat across requests: {ids}"


@pytest.mark.clause("cmq.legacy.protocol.envelope", "cmq.legacy.condition.queue_not_found")
def test_a_legacy_error_carries_a_message(cmq_session: Any, cmq_resources: Any) -> None:
    """A failed call's message field holds a detailed error message, not an empty string."""
    missing = cmq_resources(LEGACY).namer.name()
    got = expect_error(cmq_session, LEGACY, "queue_not_found", "GetQueueAttributes",
                       queuename=missing)
    assert got.message.strip(), f"GetQueueAttributes of a missing queue: empty message ({got})"
