"""qcloud-cmq-sdk-py3 0.1 (the legacy API's official Python SDK) against a live emulator.

Every scenario runs with HmacSHA1 and HmacSHA256, over POST and GET. The SDK writes
CMQ_python_sdk.log into the working directory, so each test runs in its own tmp_path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import SID, SKEY

pytestmark = pytest.mark.sdk

cmq_account = pytest.importorskip("cmq.account")
from cmq.cmq_exception import CMQServerException  # noqa: E402
from cmq.queue import Message, QueueMeta  # noqa: E402
from cmq.subscription import SubscriptionMeta  # noqa: E402
from cmq.topic import Message as TopicMessage  # noqa: E402
from cmq.topic import TopicMeta  # noqa: E402

VARIANTS = [("sha1", "POST"), ("sha256", "POST"), ("sha1", "GET"), ("sha256", "GET")]


def _account(base_url: str, sign: str, method: str, key: str = SKEY) -> Any:
    acc = cmq_account.Account(base_url, SID, key)
    acc.set_sign(sign)
    acc.get_client().set_method(method)
    acc.prefix = f"py-{sign}-{method.lower()}"
    return acc


@pytest.fixture(params=VARIANTS, ids=[f"{s}-{m}" for s, m in VARIANTS])
def account(request: pytest.FixtureRequest, emulator: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An Account signing with the variant's method over its HTTP method."""
    monkeypatch.chdir(tmp_path)
    acc = _account(emulator, *request.param)
    yield acc
    # The SDK keeps one http.client connection per Account and never closes it.
    acc.get_client().close_connection()


def _queue(account: Any, suffix: str, **attrs: Any) -> Any:
    queue = account.get_queue(f"{account.prefix}-{suffix}")
    meta = QueueMeta()
    for key, value in attrs.items():
        setattr(meta, key, value)
    queue.create(meta)
    return queue


def test_queue_messages(account: Any) -> None:
    queue = _queue(account, "msgs", rewindSeconds=3600, visibilityTimeout=60)
    sent = queue.send_message(Message("hello"))
    assert sent.msgId
    batch = queue.batch_send_message([Message("a"), Message("b"), Message("c")])
    assert len(batch) == 3 and all(m.msgId for m in batch)

    first = queue.receive_message(polling_wait_seconds=1)
    assert first.msgBody == "hello" and first.msgId == sent.msgId and first.dequeueCount == 1
    assert first.receiptHandle and first.enqueueTime and first.nextVisibleTime
    queue.delete_message(first.receiptHandle)
    rest = queue.batch_receive_message(16, polling_wait_seconds=1)
    assert sorted(m.msgBody for m in rest) == ["a", "b", "c"]
    queue.batch_delete_message([m.receiptHandle for m in rest])

    with pytest.raises(CMQServerException) as empty:
        queue.receive_message(polling_wait_seconds=0)
    assert empty.value.code == 7000

    queue.rewindQueue(int(time.time()) - 60)
    again = queue.batch_receive_message(16, polling_wait_seconds=1)
    assert sorted(m.msgBody for m in again) == ["a", "b", "c", "hello"]

    meta = queue.get_attributes()
    assert meta.visibilityTimeout == 60 and meta.rewindSeconds == 3600
    update = QueueMeta()
    update.visibilityTimeout = 90
    update.rewindSeconds = 3600
    queue.set_attributes(update)
    assert queue.get_attributes().visibilityTimeout == 90

    total, listed, _ = account.list_queue(searchWord=f"{account.prefix}-msgs")
    assert total == 1 and listed[0]["queueName"] == f"{account.prefix}-msgs"
    queue.delete()
    with pytest.raises(CMQServerException):
        queue.get_attributes()


def test_long_poll_wakes_on_send(account: Any, emulator: str) -> None:
    queue = _queue(account, "poll")
    # http.client connections are not thread-safe: the sender gets its own Account.
    sender = _account(emulator, "sha1", "POST").get_queue(f"{account.prefix}-poll")
    got: list[Any] = []
    receiver = threading.Thread(
        target=lambda: got.append(queue.receive_message(polling_wait_seconds=10)))
    receiver.start()
    # Bounded wait for the receiver's request to be in flight; correctness does not depend on it.
    time.sleep(0.2)
    sender.send_message(Message("wake"))
    sender.cmq_client.close_connection()
    receiver.join(15)
    assert not receiver.is_alive() and got[0].msgBody == "wake"
    queue.delete()


def test_topic_subscription_delivery(account: Any) -> None:
    inbox = _queue(account, "inbox")
    topic = account.get_topic(f"{account.prefix}-tags")
    topic.create(TopicMeta())
    sub = account.get_subscription(f"{account.prefix}-tags", f"{account.prefix}-s")
    meta = SubscriptionMeta()
    meta.Endpoint = f"{account.prefix}-inbox"
    meta.Protocal = "queue"
    meta.NotifyStrategy = "BACKOFF_RETRY"
    meta.NotifyContentFormat = "SIMPLIFIED"
    meta.FilterTag = ["red"]
    sub.create(meta)

    with pytest.raises(CMQServerException) as unmatched:
        topic.publish_message(TopicMessage("skipped", ["blue"]))
    assert unmatched.value.code == 6030
    topic.publish_message(TopicMessage("delivered", ["red", "blue"]), routingKey="")
    got = inbox.receive_message(polling_wait_seconds=5)
    assert got.msgBody == "delivered"
    inbox.delete_message(got.receiptHandle)
    assert topic.batch_publish_message([TopicMessage("b1"), TopicMessage("b2")],
                                       msgtag=["red"])

    attrs = sub.get_attributes()
    # (The SDK stores the endpoint in maxMsgHeapNum, a bug of its own.)
    assert attrs.NotifyContentFormat == "SIMPLIFIED" and attrs.FilterTag == ["red"]
    update = SubscriptionMeta()
    update.NotifyStrategy = "EXPONENTIAL_DECAY_RETRY"
    update.FilterTag = ["green"]
    update.NotifyContentFormat = "SIMPLIFIED"
    sub.set_attributes(update)
    assert sub.get_attributes().FilterTag == ["green"]
    sub.clearFilterTags()
    assert not sub.get_attributes().FilterTag

    total, subs, _ = topic.list_subscription()
    assert total == 1 and subs[0]["subscriptionName"] == f"{account.prefix}-s"
    tmeta = topic.get_attributes()
    assert tmeta.maxMsgSize == 65536
    tupdate = TopicMeta()
    tupdate.maxMsgSize = 4096
    topic.set_attributes(tupdate)
    assert topic.get_attributes().maxMsgSize == 4096
    total, topics, _ = account.list_topic(searchWord=f"{account.prefix}-tags")
    assert total == 1 and topics[0]["topicName"] == f"{account.prefix}-tags"

    sub.delete()
    topic.delete()
    inbox.delete()


def test_routing_key_delivery(account: Any) -> None:
    inbox = _queue(account, "rk-inbox")
    topic = account.get_topic(f"{account.prefix}-rk")
    tmeta = TopicMeta()
    tmeta.filterType = 2
    topic.create(tmeta)
    sub = account.get_subscription(f"{account.prefix}-rk", f"{account.prefix}-rks")
    meta = SubscriptionMeta()
    meta.Endpoint = f"{account.prefix}-rk-inbox"
    meta.Protocal = "queue"
    meta.NotifyStrategy = "BACKOFF_RETRY"
    meta.NotifyContentFormat = "SIMPLIFIED"
    meta.bindingKey = ["order.*.paid"]
    sub.create(meta)

    with pytest.raises(CMQServerException):
        topic.publish_message(TopicMessage("miss"), routingKey="order.eu.refunded")
    topic.publish_message(TopicMessage("hit"), routingKey="order.eu.paid")
    got = inbox.receive_message(polling_wait_seconds=5)
    assert got.msgBody == "hit"
    sub.delete()
    topic.delete()
    inbox.delete()


def test_wrong_key_is_refused(emulator: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    acc = _account(emulator, "sha1", "POST", key="not-the-key")
    with pytest.raises(CMQServerException) as info:
        acc.list_queue()
    acc.get_client().close_connection()
    assert info.value.code == 4100
    assert "not-the-key" not in str(info.value)
