"""Messages on the legacy data plane: visibility, receipt handles, delay, long polling, batches,
sizes, statistics and ClearQueue. Timings are the smallest the spec allows (1 s)."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import pytest
from behaviour_steps import (
    LEGACY,
    V3,
    accepts,
    body_of,
    call,
    check_error,
    expect_error,
    expect_ok,
    limit,
    long_wait,
    param,
    polled,
    queue_legacy,
    queue_v3,
    receive,
    receive_visible,
    send,
    timed,
    wait_for,
)

from cmqconform.properties.steps import in_time

#: Upper bound on any wait for a 1 s timer to fire on the target (generous for a real service).
SETTLE = 5.0


def _smallest_visibility(session: Any) -> int:
    """The smallest visibility timeout the spec allows (seconds)."""
    return int(param(session, LEGACY, "CreateQueue", "visibilityTimeout").min)


def _queue(res: Any, session: Any, *, fresh: bool = False, **attrs: Any) -> str:
    """An empty legacy queue with the smallest visibility timeout unless told otherwise: a
    pooled one emptied (these scenarios only send, receive and read), or a ``fresh`` one."""
    values = tuple({"visibilitytimeout": _smallest_visibility(session), **attrs}.items())
    return str(res.create("queue", attrs=values) if fresh else res.emptied("queue", attrs=values))


def _receive_when_visible(session: Any, queue: str) -> Any:
    """Receive, retrying without long polling until a message is visible (bounded)."""
    return receive_visible(session, queue, SETTLE)


@pytest.mark.clause("cmq.legacy.SendMessage.sends_message", "cmq.legacy.SendMessage.unique_msg_id",
                    "cmq.legacy.ReceiveMessage.enqueue_time",
                    "cmq.legacy.ReceiveMessage.empty_receive", "cmq.legacy.condition.no_message")
def test_send_receive_round_trip(cmq_session: Any, cmq_resources: Any) -> None:
    """A body comes back byte for byte with its msgId; msgIds are unique; then 7000."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    bodies = ["héllo wörld ✓ {\"json\": [1, 2]}", "line1\nline2\ttab", "plain"]
    sent = {send(cmq_session, queue, body): body for body in bodies}
    assert len(sent) == len(bodies), "SendMessage returned a msgId twice"
    before = int(time.time())
    for _ in bodies:
        got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue,
                        pollingwaitseconds=1)
        msg_id = str(got.data["msgId"])
        assert sent.get(msg_id) == got.data["msgBody"], f"msgId {msg_id}: body changed"
        assert int(got.data["enqueueTime"]) <= int(time.time()) + 1
        assert int(got.data["enqueueTime"]) >= before - 60
    got = receive(cmq_session, queue)
    check_error(cmq_session, LEGACY, "no_message", got, "ReceiveMessage on an empty queue",
                "cmq.legacy.ReceiveMessage.empty_receive")


@pytest.mark.clause("cmq.legacy.ReceiveMessage.visibility_timeout",
                    "cmq.legacy.ReceiveMessage.redelivery",
                    "cmq.legacy.ReceiveMessage.receipt_handle_per_receive",
                    "cmq.legacy.DeleteMessage.latest_handle_only",
                    "cmq.legacy.DeleteMessage.deletes_message",
                    "cmq.legacy.condition.receipt_handle_invalid")
@timed
def test_visibility_then_new_handle_and_only_latest_deletes(cmq_session: Any,
                                                             cmq_resources: Any) -> None:
    """A received message hides until visibilityTimeout, then returns with a new handle."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    msg_id = send(cmq_session, queue, "visibility")
    first = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue,
                      pollingwaitseconds=1)
    ends = cmq_session.sent_at + _smallest_visibility(cmq_session)
    assert first.data["nextVisibleTime"] >= first.data["firstDequeueTime"]
    hidden = receive(cmq_session, queue)
    in_time(lambda: check_error(cmq_session, LEGACY, "no_message", hidden,
                                "ReceiveMessage inside the visibility timeout",
                                "cmq.legacy.ReceiveMessage.visibility_timeout"),
            ends, "ReceiveMessage inside the visibility timeout")
    second = _receive_when_visible(cmq_session, queue)
    assert second is not None, f"message {msg_id} not visible again within {SETTLE} s"
    assert second.data["msgId"] == msg_id
    assert second.data["receiptHandle"] != first.data["receiptHandle"]
    assert int(second.data["dequeueCount"]) >= 2
    expect_error(cmq_session, LEGACY, "receipt_handle_invalid", "DeleteMessage",
                 "cmq.legacy.DeleteMessage.latest_handle_only", queuename=queue,
                 receipthandle=first.data["receiptHandle"])
    expect_ok(cmq_session, LEGACY, "DeleteMessage", queuename=queue,
              receipthandle=second.data["receiptHandle"])
    # Deleted for good: not received even after a visibility timeout.
    time.sleep(1.2)
    check_error(cmq_session, LEGACY, "no_message", receive(cmq_session, queue),
                "ReceiveMessage after DeleteMessage", "cmq.legacy.DeleteMessage.deletes_message")


@pytest.mark.clause("cmq.legacy.DeleteMessage.handle_expires",
                    "cmq.legacy.BatchReceiveMessage.receipt_handle_validity")
def test_handle_expires_with_visibility(cmq_session: Any, cmq_resources: Any) -> None:
    """After nextVisibleTime a receipt handle no longer deletes its message (4430)."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    send(cmq_session, queue, "expiring")
    got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=1)
    wait_for(lambda: True if time.time() > got.data["nextVisibleTime"] + 0.5 else None, SETTLE)
    expect_error(cmq_session, LEGACY, "receipt_handle_invalid", "DeleteMessage",
                 "cmq.legacy.DeleteMessage.handle_expires", queuename=queue,
                 receipthandle=got.data["receiptHandle"])


@pytest.mark.clause("cmq.legacy.SendMessage.delay_hides_message",
                    "cmq.legacy.ReceiveMessage.delayed_not_received",
                    "cmq.legacy.GetQueueAttributes.stats_delay",
                    "cmq.legacy.BatchSendMessage.delay_applies_to_batch")
@timed
def test_delay_hides_message(cmq_session: Any, cmq_resources: Any) -> None:
    """delaySeconds=1 hides a message (and a batch) and counts it as delayed, then releases it."""
    queue, delay = _queue(cmq_resources(LEGACY), cmq_session), 1
    send(cmq_session, queue, "delayed", delayseconds=delay)
    ends = cmq_session.sent_at + delay
    expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=["b1", "b2"],
              delayseconds=delay)
    hidden = receive(cmq_session, queue)
    in_time(lambda: check_error(cmq_session, LEGACY, "no_message", hidden,
                                "ReceiveMessage right after SendMessage delaySeconds=1",
                                "cmq.legacy.ReceiveMessage.delayed_not_received"),
            ends, "ReceiveMessage right after SendMessage delaySeconds=1")
    stats = queue_legacy(cmq_session, queue)

    def all_delayed() -> None:
        assert stats["delayMsgNum"] == 3 and stats["activeMsgNum"] == 0, (
            f"after 3 delayed sends: delayMsgNum={stats['delayMsgNum']} "
            f"activeMsgNum={stats['activeMsgNum']} (cmq.legacy.GetQueueAttributes.stats_delay)")

    in_time(all_delayed, ends, "GetQueueAttributes right after the delayed sends")
    got = []
    for _ in range(3):
        msg = _receive_when_visible(cmq_session, queue)
        assert msg is not None, f"delayed message not received within {SETTLE} s"
        got.append(msg.data["msgBody"])
    assert sorted(got) == ["b1", "b2", "delayed"]


@pytest.mark.clause("cmq.legacy.ReceiveMessage.long_polling",
                    "cmq.legacy.BatchReceiveMessage.long_polling",
                    "cmq.legacy.ReceiveMessage.empty_receive")
@pytest.mark.parametrize("action", ["ReceiveMessage", "BatchReceiveMessage"])
def test_long_poll_returns_on_arrival(cmq_session: Any, cmq_resources: Any, action: str) -> None:
    """A long poll on an empty queue returns with a message sent while it waits."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    wait = 5
    extra = {"numofmsg": 2} if action == "BatchReceiveMessage" else {}
    result: dict[str, Any] = {}

    def poll() -> None:
        start = time.monotonic()
        result["got"] = call(cmq_session, LEGACY, action, queuename=queue,
                             pollingwaitseconds=wait, **extra)
        result["took"] = time.monotonic() - start

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    send(cmq_session, queue, "arrival")
    thread.join(wait + 10)
    got = result["got"]
    assert got.ok, f"{action} pollingWaitSeconds={wait}: expected the message; {got.describe()}"
    # Returned on arrival, not at the end of the wait (a generous margin for any target).
    assert result["took"] < wait, f"{action} waited {result['took']:.1f} s despite a message"


@pytest.mark.clause("cmq.legacy.ReceiveMessage.long_polling",
                    "cmq.legacy.ReceiveMessage.polling_default",
                    "cmq.legacy.ReceiveMessage.empty_receive")
def test_long_poll_waits_when_no_message(cmq_session: Any, cmq_resources: Any) -> None:
    """With no message, a receive waits pollingWaitSeconds (given, or the queue's) then 7000."""
    queue = _queue(cmq_resources(LEGACY), cmq_session, pollingwaitseconds=1)
    for explicit in ({"pollingwaitseconds": 1}, {}):
        start = time.monotonic()
        got = call(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, **explicit)
        took = time.monotonic() - start
        check_error(cmq_session, LEGACY, "no_message", got, f"ReceiveMessage {explicit}",
                    "cmq.legacy.ReceiveMessage.empty_receive")
        assert took >= 0.9, f"ReceiveMessage {explicit or 'queue pollingWaitSeconds=1'}: " \
                            f"answered after {took:.2f} s, expected a 1 s wait"


@pytest.mark.clause("cmq.legacy.BatchSendMessage.batch_max_16",
                    "cmq.legacy.BatchSendMessage.sends_in_order",
                    "cmq.legacy.BatchReceiveMessage.at_most_num_of_msg",
                    "cmq.legacy.BatchReceiveMessage.numOfMsg.range",
                    "cmq.legacy.BatchDeleteMessage.batch_max_16",
                    "cmq.legacy.BatchDeleteMessage.deletes_messages")
def test_batches_of_16_and_17(cmq_session: Any, cmq_resources: Any) -> None:
    """Batches of 16 send, receive and delete; 17 is refused by each batch action."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    most = limit(cmq_session, "batch_max_messages")
    bodies = [f"m{i:02d}" for i in range(most)]
    sent = expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=bodies)
    ids = [str(item["msgId"]) for item in sent.data["msgList"]]
    assert len(ids) == most and len(set(ids)) == most
    by_id: dict[str, str] = {}
    handles: list[str] = []
    for _ in range(most):
        if len(by_id) == most:
            break
        got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                        numofmsg=most, pollingwaitseconds=1)
        items = got.data["msgInfoList"]
        assert 1 <= len(items) <= most
        for item in items:
            assert item["msgId"] not in by_id, "BatchReceiveMessage returned a message twice"
            by_id[item["msgId"]] = item["msgBody"]
            handles.append(item["receiptHandle"])
    assert by_id == dict(zip(ids, bodies, strict=True)), "msgList order or bodies differ"
    expect_ok(cmq_session, LEGACY, "BatchDeleteMessage", queuename=queue, receipthandle=handles)
    time.sleep(1.2)
    check_error(cmq_session, LEGACY, "no_message", receive(cmq_session, queue),
                "ReceiveMessage after BatchDeleteMessage of all 16",
                "cmq.legacy.BatchDeleteMessage.deletes_messages")

    over = [f"x{i}" for i in range(most + 1)]
    expect_error(cmq_session, LEGACY, "too_many_items", "BatchSendMessage",
                 "cmq.legacy.BatchSendMessage.batch_max_16", queuename=queue, msgbody=over)
    expect_error(cmq_session, LEGACY, "out_of_range", "BatchReceiveMessage",
                 "cmq.legacy.BatchReceiveMessage.numOfMsg.range", queuename=queue,
                 numofmsg=most + 1)
    expect_error(cmq_session, LEGACY, "too_many_items", "BatchDeleteMessage",
                 "cmq.legacy.BatchDeleteMessage.batch_max_16", queuename=queue,
                 receipthandle=[*handles, handles[0]])


@pytest.mark.clause("cmq.legacy.BatchDeleteMessage.partial_failure",
                    "cmq.legacy.condition.batch_delete_partial")
def test_partial_batch_delete_lists_failures(cmq_session: Any, cmq_resources: Any) -> None:
    """A batch delete with one stale handle deletes the rest and answers 6010 with errorList."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=["a", "b"])
    got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue, numofmsg=2,
                    pollingwaitseconds=1)
    handles = [item["receiptHandle"] for item in got.data["msgInfoList"]]
    while len(handles) < 2:
        more = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue,
                         pollingwaitseconds=1)
        handles.append(more.data["receiptHandle"])
    # A stale handle: the first message seen again after its visibility timeout.
    again = _receive_when_visible(cmq_session, queue)
    assert again is not None
    fresh = {again.data["receiptHandle"]}
    stale = [h for h in handles if h not in fresh]
    stale_one = stale[0]
    valid = [again.data["receiptHandle"]]
    answer = call(cmq_session, LEGACY, "BatchDeleteMessage", queuename=queue,
                  receipthandle=[*valid, stale_one])
    check_error(cmq_session, LEGACY, "batch_delete_partial", answer,
                "BatchDeleteMessage [latest handle, stale handle]",
                "cmq.legacy.BatchDeleteMessage.partial_failure")
    errors = body_of(answer).get("errorList") or []
    assert [e.get("receiptHandle") for e in errors] == [stale_one], (
        f"errorList should name exactly the stale handle; got {errors}")
    accept = cmq_session.specs.api(LEGACY).conditions["receipt_handle_invalid"].accept
    assert errors[0].get("code") in {ref.code for ref in accept}


@pytest.mark.clause("cmq.legacy.BatchDeleteMessage.all_failed")
def test_batch_delete_with_every_handle_stale(cmq_session: Any, cmq_resources: Any) -> None:
    """A batch delete whose every handle is spent answers 6020, or 6010 listing every handle."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=["a", "b"])
    handles: list[str] = []
    for _ in range(4):
        if len(handles) == 2:
            break
        got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                        numofmsg=2, pollingwaitseconds=1)
        handles += [item["receiptHandle"] for item in got.data["msgInfoList"]]
    for handle in handles:
        expect_ok(cmq_session, LEGACY, "DeleteMessage", queuename=queue, receipthandle=handle)
    answer = call(cmq_session, LEGACY, "BatchDeleteMessage", queuename=queue,
                  receipthandle=handles)
    listed = sorted(e.get("receiptHandle") for e in body_of(answer).get("errorList") or [])
    all_failed = (answer.code, answer.module) in ((6020, 10290), ("6020", "10290"))
    partial_listing_all = (accepts(cmq_session, LEGACY, "batch_delete_partial", answer)
                           and listed == sorted(handles))
    assert all_failed or partial_listing_all, (
        "BatchDeleteMessage of 2 handles of deleted messages: expected 6020/10290, or 6010 "
        "with both handles in errorList (cmq.legacy.BatchDeleteMessage.all_failed, "
        f"cmq-api.txt:5573); received {answer.describe()}, errorList {listed}")


@pytest.mark.clause("cmq.legacy.DeleteMessage.malformed_handle")
def test_malformed_handle_refused(cmq_session: Any, cmq_resources: Any) -> None:
    """A receiptHandle the queue never issued does not delete anything and is refused."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    send(cmq_session, queue, "kept")
    got = call(cmq_session, LEGACY, "DeleteMessage", queuename=queue,
               receipthandle="not-a-receipt-handle")
    # The clause names 4000/10470 beside the receipt_handle_invalid code (cmq-api.txt:6716).
    assert accepts(cmq_session, LEGACY, "receipt_handle_invalid", got) or (
        str(got.code), str(got.module)) == ("4000", "10470"), (
        "DeleteMessage receiptHandle=not-a-receipt-handle: expected 4430/10260 or 4000/10470 "
        f"(cmq.legacy.DeleteMessage.malformed_handle); received {got.describe()}")
    assert _receive_when_visible(cmq_session, queue) is not None, "the message was deleted"


@pytest.mark.clause("cmq.legacy.BatchReceiveMessage.visibility_timeout",
                    "cmq.legacy.BatchReceiveMessage.empty_receive")
@timed
def test_batch_receive_hides_until_visibility_timeout(cmq_session: Any,
                                                      cmq_resources: Any) -> None:
    """Batch-received messages are hidden until visibilityTimeout; an empty batch answers 7000."""
    queue = _queue(cmq_resources(LEGACY), cmq_session)
    got = call(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue, numofmsg=2,
               pollingwaitseconds=0)
    check_error(cmq_session, LEGACY, "no_message", got, "BatchReceiveMessage on an empty queue",
                "cmq.legacy.BatchReceiveMessage.empty_receive")
    expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=["a", "b"])
    seen: list[str] = []
    ends = math.inf
    for _ in range(4):
        if len(seen) == 2:
            break
        got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                        numofmsg=2, pollingwaitseconds=1)
        # The first message received hides from the earliest of these sends on.
        ends = min(ends, cmq_session.sent_at + _smallest_visibility(cmq_session))
        seen += [item["msgBody"] for item in got.data["msgInfoList"]]
    hidden = call(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue, numofmsg=2,
                  pollingwaitseconds=0)
    in_time(lambda: check_error(cmq_session, LEGACY, "no_message", hidden,
                                "BatchReceiveMessage inside the visibility timeout",
                                "cmq.legacy.BatchReceiveMessage.visibility_timeout"),
            ends, "BatchReceiveMessage inside the visibility timeout")

    def both_back() -> list[str] | None:
        wait = long_wait(cmq_session, LEGACY, "BatchReceiveMessage", deadline)
        got = polled(cmq_session, LEGACY,
                     call(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                          numofmsg=2, pollingwaitseconds=wait), f"BatchReceiveMessage {queue}")
        if got is not None:
            back.extend(item["msgBody"] for item in got.data["msgInfoList"])
        return back if len(back) >= 2 else None

    back: list[str] = []
    deadline = time.monotonic() + SETTLE
    assert sorted(wait_for(both_back, SETTLE) or back) == ["a", "b"], (
        f"after the visibility timeout: received again {back}")


def _raw_call(session: Any, action: str, params: dict[str, Any], base: int | None = None) -> Any:
    """A legacy call with parameters as given (pre-flattened names travel unchanged)."""
    return session.call(LEGACY, action, params, array_base=base)


@pytest.mark.clause("cmq.legacy.BatchSendMessage.index_bases",
                    "cmq.legacy.BatchDeleteMessage.index_bases",
                    "cmq.legacy.condition.array_not_contiguous",
                    "cmq.legacy.protocol.array_encoding")
def test_array_indexes_from_0_or_1_and_contiguous(cmq_session: Any, cmq_resources: Any) -> None:
    """name.n from 0 and from 1 both work for batch send and delete; a gap answers 10380."""
    queue = _queue(cmq_resources(LEGACY), cmq_session, visibilitytimeout=30)
    for base in (0, 1):
        got = _raw_call(cmq_session, "BatchSendMessage",
                        {"queueName": queue, "msgBody": [f"b{base}-0", f"b{base}-1"]}, base)
        assert got.ok, f"BatchSendMessage msgBody.{base}.. : {got.describe()}"
    gap = _raw_call(cmq_session, "BatchSendMessage",
                    {"queueName": queue, "msgBody.0": "gap-0", "msgBody.2": "gap-2"})
    check_error(cmq_session, LEGACY, "array_not_contiguous", gap,
                "BatchSendMessage msgBody.0 and msgBody.2",
                "cmq.legacy.BatchSendMessage.index_bases")
    handles: dict[str, str] = {}
    for _ in range(6):
        if len(handles) >= 4:
            break
        # Room for the 4 sent and the 2 a wrongly enqueued gap batch would add (a batch
        # receive costs its numOfMsg in rate units, whatever it returns).
        got = expect_ok(cmq_session, LEGACY, "BatchReceiveMessage", queuename=queue,
                        numofmsg=6, pollingwaitseconds=1)
        handles.update({item["msgBody"]: item["receiptHandle"]
                        for item in got.data["msgInfoList"]})
    assert sorted(handles) == ["b0-0", "b0-1", "b1-0", "b1-1"], (
        f"received {sorted(handles)}: the refused gap batch was enqueued or a batch lost")
    ordered = [handles[body] for body in sorted(handles)]
    gap = _raw_call(cmq_session, "BatchDeleteMessage",
                    {"queueName": queue, "receiptHandle.1": ordered[0],
                     "receiptHandle.3": ordered[1]})
    check_error(cmq_session, LEGACY, "array_not_contiguous", gap,
                "BatchDeleteMessage receiptHandle.1 and receiptHandle.3",
                "cmq.legacy.BatchDeleteMessage.index_bases")
    for base, pair in ((0, ordered[:2]), (1, ordered[2:])):
        got = _raw_call(cmq_session, "BatchDeleteMessage",
                        {"queueName": queue, "receiptHandle": pair}, base)
        assert got.ok, f"BatchDeleteMessage receiptHandle.{base}.. : {got.describe()}"
    stats = queue_legacy(cmq_session, queue)
    assert (stats["activeMsgNum"], stats["inactiveMsgNum"]) == (0, 0), (
        f"after deleting all 4: active {stats['activeMsgNum']}, inactive "
        f"{stats['inactiveMsgNum']}")


@pytest.mark.parametrize("action", ["SendMessage", "BatchSendMessage"])
@pytest.mark.clause("cmq.legacy.SendMessage.body_max_size",
                    "cmq.legacy.BatchSendMessage.body_max_size",
                    "cmq.legacy.SendMessage.body_empty", "cmq.legacy.BatchSendMessage.body_empty",
                    "cmq.legacy.BatchSendMessage.msgBody.item_min_length")
def test_body_size_limits(cmq_session: Any, cmq_resources: Any, action: str) -> None:
    """A body of exactly maxMsgSize is accepted, one byte more and an empty one are refused."""
    size = param(cmq_session, LEGACY, "CreateQueue", "maxMsgSize").min
    queue = _queue(cmq_resources(LEGACY), cmq_session, maxmsgsize=size)

    def body(text: str) -> Any:
        return [text] if action == "BatchSendMessage" else text

    expect_ok(cmq_session, LEGACY, action, f"cmq.legacy.{action}.body_max_size",
              queuename=queue, msgbody=body("x" * size))
    expect_error(cmq_session, LEGACY, "message_too_large", action,
                 f"cmq.legacy.{action}.body_max_size", queuename=queue,
                 msgbody=body("x" * (size + 1)))
    expect_error(cmq_session, LEGACY, "empty_message_body", action,
                 f"cmq.legacy.{action}.body_empty", queuename=queue, msgbody=body(""))


@pytest.mark.clause("cmq.legacy.GetQueueAttributes.stats_send",
                    "cmq.legacy.GetQueueAttributes.stats_receive",
                    "cmq.legacy.GetQueueAttributes.stats_delete",
                    "cmq.legacy.GetQueueAttributes.stats_delay",
                    "cmq.v3.DescribeQueueDetail.lists_queues")
def test_statistics_follow_messages(cmq_session: Any, cmq_resources: Any) -> None:
    """Active, Inactive and Delay counts follow send, receive and delete on both surfaces."""
    queue = _queue(cmq_resources(LEGACY), cmq_session, visibilitytimeout=30)
    seen: dict[str, Any] = {}

    def counts_are(active: int, inactive: int, delayed: int) -> bool | None:
        legacy = queue_legacy(cmq_session, queue)
        v3 = queue_v3(cmq_session, queue)
        seen["legacy"] = [legacy[k] for k in ("activeMsgNum", "inactiveMsgNum", "delayMsgNum")]
        seen["v3"] = [v3[k] for k in ("ActiveMsgNum", "InactiveMsgNum", "DelayMsgNum")]
        wanted = [active, inactive, delayed]
        return True if seen["legacy"] == wanted and seen["v3"] == wanted else None

    def expect(active: int, inactive: int, delayed: int, after: str) -> None:
        assert wait_for(lambda: counts_are(active, inactive, delayed), SETTLE), (
            f"after {after}: expected active/inactive/delay {[active, inactive, delayed]}; "
            f"legacy {seen['legacy']}, v3 {seen['v3']}")

    send(cmq_session, queue, "one")
    send(cmq_session, queue, "two")
    # Delayed well past the scenario, so it is counted as Delay throughout.
    send(cmq_session, queue, "later", delayseconds=param(cmq_session, LEGACY, "SendMessage",
                                                         "delaySeconds").max)
    expect(2, 0, 1, "2 sends and 1 delayed send")
    got = expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=1)
    expect(1, 1, 1, "a receive")
    expect_ok(cmq_session, LEGACY, "DeleteMessage", queuename=queue,
              receipthandle=got.data["receiptHandle"])
    expect(1, 0, 1, "the delete")


@pytest.mark.clause("cmq.v3.ClearQueue.clears_messages", "cmq.v3.ClearQueue.keeps_queue")
def test_clear_queue(cmq_session: Any, cmq_resources: Any) -> None:
    """ClearQueue removes active, inactive and delayed messages and keeps the attributes."""
    # A new queue: ClearQueue empties the pooled ones, so it must not be judged with one.
    queue = _queue(cmq_resources(LEGACY), cmq_session, fresh=True, visibilitytimeout=30)
    expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=["a", "b", "c"])
    send(cmq_session, queue, "later", delayseconds=60)
    expect_ok(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=1)
    before = queue_v3(cmq_session, queue)
    expect_ok(cmq_session, V3, "ClearQueue", "cmq.v3.ClearQueue.clears_messages", queuename=queue)
    after = queue_v3(cmq_session, queue)
    counts = {k: after[k] for k in ("ActiveMsgNum", "InactiveMsgNum", "DelayMsgNum")}
    assert counts == dict.fromkeys(counts, 0), f"after ClearQueue: {counts}"
    for key in ("VisibilityTimeout", "MaxMsgSize", "MsgRetentionSeconds", "PollingWaitSeconds",
                "QueueId"):
        assert after[key] == before[key], f"ClearQueue changed {key}"
    check_error(cmq_session, LEGACY, "no_message", receive(cmq_session, queue),
                "ReceiveMessage after ClearQueue", "cmq.v3.ClearQueue.clears_messages")


@pytest.mark.slow
@pytest.mark.clause("cmq.legacy.CreateQueue.retention_expiry")
def test_retention_expiry(cmq_session: Any, cmq_resources: Any) -> None:
    """A message not deleted is gone msgRetentionSeconds (60 s, the minimum) after sending."""
    retention = param(cmq_session, LEGACY, "CreateQueue", "msgRetentionSeconds").min
    queue = _queue(cmq_resources(LEGACY), cmq_session, msgretentionseconds=retention)
    send(cmq_session, queue, "short-lived")
    time.sleep(retention + 2)
    check_error(cmq_session, LEGACY, "no_message", receive(cmq_session, queue),
                f"ReceiveMessage {retention + 2} s after sending",
                "cmq.legacy.CreateQueue.retention_expiry")


@pytest.mark.slow
@pytest.mark.clause("cmq.legacy.SendMessage.heap_full", "cmq.legacy.condition.heap_full")
def test_heap_limit(cmq_session: Any, cmq_resources: Any) -> None:
    """A queue holding maxMsgHeapNum messages (the minimum, 1,000,000) refuses one more."""
    heap = param(cmq_session, LEGACY, "CreateQueue", "maxMsgHeapNum").min
    queue = _queue(cmq_resources(LEGACY), cmq_session, maxmsgheapnum=heap)
    most = limit(cmq_session, "batch_max_messages")
    bodies = ["h"] * most
    for _ in range(heap // most):
        expect_ok(cmq_session, LEGACY, "BatchSendMessage", queuename=queue, msgbody=bodies)
    for _ in range(heap % most):
        send(cmq_session, queue, "h")
    expect_error(cmq_session, LEGACY, "heap_full", "SendMessage",
                 "cmq.legacy.SendMessage.heap_full", queuename=queue, msgbody="one too many")
