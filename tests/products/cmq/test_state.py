"""Backend queue and message semantics, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from cmqconform.emulator import FakeClock, Fault
from cmqconform.products.cmq import Backend, ReceivedMessage
from cmqconform.spec import load_specs

T = TypeVar("T")
ACC = "AKIDtest"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine on a fresh loop (bounded by a wall-clock guard)."""
    return asyncio.run(asyncio.wait_for(coro, timeout=10))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock) -> Backend:
    return Backend(clock=clock)


def fault_of(call: Any, *args: Any, **kwargs: Any) -> Fault:
    with pytest.raises(Fault) as info:
        call(*args, **kwargs)
    return info.value


def receive(backend: Backend, queue: str, wait: int = 0) -> ReceivedMessage:
    return run(backend.receive_message(ACC, queue, polling_wait_seconds=wait))


# -- names and attributes ------------------------------------------------------------------------
def test_defaults_come_from_specs(backend: Backend) -> None:
    backend.create_queue(ACC, "q1")
    attrs = backend.get_queue(ACC, "q1")
    create = load_specs().api("cmq.legacy").action("CreateQueue")
    for param in create.request:
        if param.default is not None:
            assert attrs[param.name] == param.default
    assert attrs["queueId"].startswith("queue-") and len(attrs["queueId"]) == 14
    assert attrs["activeMsgNum"] == 0 and attrs["minMsgTime"] == 0


def test_v3_names_map_case_insensitively(backend: Backend) -> None:
    backend.create_queue(ACC, "q1", {"VisibilityTimeout": 5, "PollingWaitSeconds": 3})
    attrs = backend.get_queue(ACC, "Q1")
    assert attrs["visibilityTimeout"] == 5 and attrs["pollingWaitSeconds"] == 3
    assert attrs["queueName"] == "q1"
    changed = backend.set_queue_attributes(ACC, "q1", {"maxMsgSize": 2048})
    assert changed["maxMsgSize"] == 2048 and changed["visibilityTimeout"] == 5


def test_names_unique_ignoring_case(backend: Backend) -> None:
    backend.create_queue(ACC, "MyQueue")
    assert fault_of(backend.create_queue, ACC, "myqueue").condition == "queue_exists"
    page = backend.list_queues(ACC)
    assert [q["queueName"] for q in page.items] == ["MyQueue"]


def test_release_window(backend: Backend, clock: FakeClock) -> None:
    window = load_specs().product("cmq").limit("name_release_window_seconds")
    assert backend.limits.name_release_seconds == window
    backend.create_queue(ACC, "q1")
    backend.delete_queue(ACC, "q1")
    assert fault_of(backend.create_queue, ACC, "Q1").condition == "name_in_release_window"
    clock.advance(window - 1)
    assert fault_of(backend.create_queue, ACC, "q1").condition == "name_in_release_window"
    clock.advance(1)
    backend.create_queue(ACC, "q1")


def test_release_window_configurable(clock: FakeClock) -> None:
    backend = Backend(clock=clock, name_release_seconds=0)
    backend.create_topic(ACC, "t1")
    backend.delete_topic(ACC, "t1")
    backend.create_topic(ACC, "t1")


def test_accounts_are_isolated(backend: Backend) -> None:
    backend.create_queue("a", "q1")
    backend.create_queue("b", "q1")
    backend.send_message("a", "q1", "x")
    assert backend.get_queue("b", "q1")["activeMsgNum"] == 0
    assert fault_of(backend.get_queue, "c", "q1").condition == "queue_not_found"


def test_listing_filters_and_paging(backend: Backend) -> None:
    for name in ("alpha", "beta", "alphabet", "gamma"):
        backend.create_queue(ACC, name)
    assert backend.list_queues(ACC, search_word="ALPHA").total == 2
    page = backend.list_queues(ACC, offset=1, limit=2)
    assert page.total == 4 and [q["queueName"] for q in page.items] == ["beta", "alphabet"]
    assert [q["queueName"] for q in backend.list_queues(ACC, names=["GAMMA"]).items] == ["gamma"]
    assert backend.list_queues(ACC, tag_key="team").total == 0


# -- messages -----------------------------------------------------------------------------------
def test_send_receive_delete_and_handles(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q", {"visibilityTimeout": 10})
    msg_id = backend.send_message(ACC, "q", "hello")
    got = receive(backend, "q")
    assert (got.msg_id, got.body, got.dequeue_count) == (msg_id, "hello", 1)
    assert got.next_visible_time == got.first_dequeue_time + 10
    stats = backend.get_queue(ACC, "q")
    assert (stats["activeMsgNum"], stats["inactiveMsgNum"]) == (0, 1)
    assert fault_of(receive, backend, "q").condition == "no_message"
    clock.advance(10)
    again = receive(backend, "q")
    assert again.receipt_handle != got.receipt_handle and again.dequeue_count == 2
    # only the latest handle is valid
    assert fault_of(backend.delete_message, ACC, "q", got.receipt_handle).condition == \
        "receipt_handle_invalid"
    backend.delete_message(ACC, "q", again.receipt_handle)
    assert backend.get_queue(ACC, "q")["inactiveMsgNum"] == 0


def test_expired_handle_is_invalid(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q", {"visibilityTimeout": 5})
    backend.send_message(ACC, "q", "x")
    got = receive(backend, "q")
    clock.advance(5)
    assert fault_of(backend.delete_message, ACC, "q", got.receipt_handle).condition == \
        "receipt_handle_invalid"
    assert fault_of(backend.delete_message, ACC, "q", "nope").condition == \
        "receipt_handle_invalid"


def test_delay(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q")
    backend.send_message(ACC, "q", "later", delay_seconds=30)
    assert backend.get_queue(ACC, "q")["delayMsgNum"] == 1
    assert fault_of(receive, backend, "q").condition == "no_message"
    clock.advance(30)
    assert receive(backend, "q").body == "later"


def test_size_and_heap_limits(backend: Backend) -> None:
    backend.create_queue(ACC, "q", {"maxMsgSize": 1024, "maxMsgHeapNum": 2})
    fault = fault_of(backend.send_message, ACC, "q", "é" * 513)
    assert fault.condition == "message_too_large"
    backend.send_message(ACC, "q", "x" * 1024)
    assert fault_of(backend.send_messages, ACC, "q", ["a", "b"]).condition == "heap_full"
    backend.send_message(ACC, "q", "b")
    assert fault_of(backend.send_message, ACC, "q", "c").condition == "heap_full"


def test_retention_expiry(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q", {"msgRetentionSeconds": 60})
    backend.send_message(ACC, "q", "old")
    clock.advance(30)
    backend.send_message(ACC, "q", "new")
    assert backend.get_queue(ACC, "q")["minMsgTime"] == int(clock.now() - 30)
    clock.advance(30)
    assert backend.get_queue(ACC, "q")["activeMsgNum"] == 1
    assert receive(backend, "q").body == "new"


def test_batch_receive_and_partial_delete(backend: Backend) -> None:
    backend.create_queue(ACC, "q")
    ids = backend.send_messages(ACC, "q", [f"m{i}" for i in range(5)])
    got = run(backend.receive_messages(ACC, "q", 3, polling_wait_seconds=0))
    assert [m.msg_id for m in got] == ids[:3]
    with pytest.raises(Fault) as info:
        backend.delete_messages(ACC, "q", [got[0].receipt_handle, "bogus",
                                           got[1].receipt_handle])
    assert info.value.condition == "batch_delete_partial"
    assert [e.key for e in info.value.errors] == ["bogus"]
    assert info.value.errors[0].condition == "receipt_handle_invalid"
    assert backend.get_queue(ACC, "q")["inactiveMsgNum"] == 1


def test_clear_queue(backend: Backend) -> None:
    backend.create_queue(ACC, "q")
    backend.send_messages(ACC, "q", ["a", "b"])
    backend.clear_queue(ACC, "q")
    assert backend.get_queue(ACC, "q")["activeMsgNum"] == 0


# -- long polling -------------------------------------------------------------------------------
async def _until_blocked(backend: Backend, clock: FakeClock) -> None:
    for _ in range(1000):
        if clock.sleepers:
            return
        await asyncio.sleep(0)
    raise AssertionError("the receiver never blocked")


def test_send_wakes_waiting_receiver(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q")

    async def scenario() -> ReceivedMessage:
        task = asyncio.create_task(backend.receive_message(ACC, "q", polling_wait_seconds=30))
        await _until_blocked(backend, clock)
        backend.send_message(ACC, "q", "wake")
        return await task  # the fake clock never moved: only the send can end the wait

    assert run(scenario()).body == "wake"


def test_long_poll_times_out_with_queue_attribute(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q", {"pollingWaitSeconds": 20})

    async def scenario() -> Fault:
        task = asyncio.create_task(backend.receive_message(ACC, "q"))
        await _until_blocked(backend, clock)
        clock.advance(19)
        await asyncio.sleep(0)
        assert not task.done()
        clock.advance(1)
        with pytest.raises(Fault) as info:
            await task
        return info.value

    assert run(scenario()).condition == "no_message"


def test_long_poll_sees_delayed_message(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "q")
    backend.send_message(ACC, "q", "d", delay_seconds=5)

    async def scenario() -> ReceivedMessage:
        task = asyncio.create_task(backend.receive_message(ACC, "q", polling_wait_seconds=10))
        await _until_blocked(backend, clock)
        clock.advance(5)
        return await task

    assert run(scenario()).body == "d"


def test_long_poll_with_real_clock_wakes() -> None:
    backend = Backend()
    backend.create_queue(ACC, "q")

    async def scenario() -> ReceivedMessage:
        task = asyncio.create_task(backend.receive_message(ACC, "q", polling_wait_seconds=30))
        await asyncio.sleep(0.01)
        backend.send_message(ACC, "q", "now")
        return await task

    assert run(scenario()).body == "now"


# -- rewind and dead letters --------------------------------------------------------------------
def test_rewind(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "plain")
    now = int(clock.now())
    assert fault_of(backend.rewind_queue, ACC, "plain", now).condition == "rewind_not_enabled"
    backend.create_queue(ACC, "q", {"rewindSeconds": 3600})
    start = int(clock.now())
    backend.send_messages(ACC, "q", ["a", "b"])
    for _ in range(2):
        got = receive(backend, "q")
        backend.delete_message(ACC, "q", got.receipt_handle)
    stats = backend.get_queue(ACC, "q")
    assert (stats["activeMsgNum"], stats["rewindMsgNum"]) == (0, 2)
    clock.advance(10)
    assert fault_of(backend.rewind_queue, ACC, "q", start - 3601).condition == \
        "rewind_time_invalid"
    backend.rewind_queue(ACC, "q", start)
    assert [receive(backend, "q").body for _ in range(2)] == ["a", "b"]
    clock.advance(3600)
    assert backend.get_queue(ACC, "q")["rewindMsgNum"] == 0


def test_dead_letter_after_max_receive_count(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "dlq")
    fault = fault_of(backend.create_queue, ACC, "src", {"deadLetterQueueName": "none"})
    assert fault.condition == "dead_letter_queue_not_found"
    backend.create_queue(ACC, "src", {"visibilityTimeout": 5, "DeadLetterQueueName": "dlq",
                                      "Policy": 0, "MaxReceiveCount": 2})
    backend.send_message(ACC, "src", "poison")
    for _ in range(2):
        receive(backend, "src")
        clock.advance(5)
    assert fault_of(receive, backend, "src").condition == "no_message"
    assert receive(backend, "dlq").body == "poison"
    sources = backend.dead_letter_sources(ACC, "dlq")
    assert [s["queueName"] for s in sources.items] == ["src"]
    policy = backend.get_queue(ACC, "src")["deadLetterPolicy"]
    assert policy["deadLetterQueueName"] == "dlq" and policy["maxReceiveCount"] == 2
    assert backend.get_queue(ACC, "dlq")["deadLetterSource"][0]["queueName"] == "src"
    backend.unbind_dead_letter(ACC, "src")
    assert backend.dead_letter_sources(ACC, "dlq").total == 0
    assert backend.get_queue(ACC, "src")["deadLetterPolicy"] is None


def test_dead_letter_time_to_live(backend: Backend, clock: FakeClock) -> None:
    backend.create_queue(ACC, "dlq")
    backend.create_queue(ACC, "src", {"deadLetterQueueName": "dlq", "policy": 1,
                                      "maxTimeToLive": 300})
    backend.send_message(ACC, "src", "stale")
    clock.advance(299)
    assert backend.get_queue(ACC, "src")["activeMsgNum"] == 1
    clock.advance(1)
    backend.sweep()
    assert backend.get_queue(ACC, "src")["activeMsgNum"] == 0
    assert backend.get_queue(ACC, "dlq")["activeMsgNum"] == 1
