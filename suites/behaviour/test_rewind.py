"""Rewind: consumption restarts at StartConsumeTime inside RewindSeconds; other times refused."""

from __future__ import annotations

import time
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
    polled,
    send,
)

#: Rewind window and retention of the scenario queues (the smallest retention the spec allows).
WINDOW = 60


def _rewindable(res: Any) -> str:
    return str(res.create("queue", attrs=(("msgretentionseconds", WINDOW),
                                          ("rewindseconds", WINDOW),
                                          ("visibilitytimeout", 1))))


def _consume_all(session: Any, queue: str) -> list[str]:
    """Receive and delete every visible message; returns the bodies in order."""
    bodies = []
    for _ in range(50):
        got = polled(session, LEGACY, call(session, LEGACY, "ReceiveMessage", queuename=queue,
                                           pollingwaitseconds=0), f"ReceiveMessage {queue}")
        if got is None:
            break
        bodies.append(str(got.data["msgBody"]))
        expect_ok(session, LEGACY, "DeleteMessage", queuename=queue,
                  receipthandle=got.data["receiptHandle"])
    return bodies


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.RewindQueue.rewinds_consumption",
                    "cmq.legacy.RewindQueue.rewinds_to_start_time")
def test_rewind_replays_from_start_time(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """After a rewind, messages sent at or after StartConsumeTime are consumed again, in order."""
    queue = _rewindable(cmq_resources(LEGACY))
    send(cmq_session, queue, "before")
    first_second = int(time.time())
    while int(time.time()) == first_second:  # so "before" is strictly older than the start
        time.sleep(0.05)
    start = int(time.time())
    for body in ("after-1", "after-2"):
        send(cmq_session, queue, body)
    assert _consume_all(cmq_session, queue) == ["before", "after-1", "after-2"]
    clause = {V3: "cmq.v3.RewindQueue.rewinds_consumption",
              LEGACY: "cmq.legacy.RewindQueue.rewinds_to_start_time"}[api]
    expect_ok(cmq_session, api, "RewindQueue", clause, queuename=queue, startconsumetime=start)
    replayed = _consume_all(cmq_session, queue)
    assert replayed == ["after-1", "after-2"], (
        f"RewindQueue startConsumeTime={start}: expected the 2 messages sent since, in order; "
        f"consumed {replayed}")


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.RewindQueue.start_within_window",
                    "cmq.legacy.RewindQueue.time_out_of_window",
                    "cmq.legacy.condition.rewind_time_invalid",
                    "cmq.v3.condition.rewind_time_invalid")
def test_rewind_outside_window_refused(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """A StartConsumeTime older than RewindSeconds (or in the future) is refused."""
    queue = _rewindable(cmq_resources(LEGACY))
    now = int(time.time())
    for when in (now - WINDOW - 120, now + 3600):
        expect_error(cmq_session, api, "rewind_time_invalid", "RewindQueue",
                     {V3: "cmq.v3.RewindQueue.start_within_window",
                      LEGACY: "cmq.legacy.RewindQueue.time_out_of_window"}[api],
                     queuename=queue, startconsumetime=when)


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.RewindQueue.rewind_requires_enabled",
                    "cmq.v3.CreateQueue.rewind_disabled_by_default",
                    "cmq.legacy.RewindQueue.not_enabled",
                    "cmq.v3.condition.rewind_not_enabled",
                    "cmq.legacy.condition.rewind_not_enabled")
def test_rewind_needs_rewind_seconds(cmq_session: Any, cmq_resources: Any, api: str) -> None:
    """A queue created without RewindSeconds cannot be rewound."""
    queue = cmq_resources(api).create("queue")
    got = call(cmq_session, api, "RewindQueue", queuename=queue,
               startconsumetime=int(time.time()) - 5)
    check_error(cmq_session, api, "rewind_not_enabled", got, f"RewindQueue on {queue}",
                {V3: "cmq.v3.RewindQueue.rewind_requires_enabled",
                 LEGACY: "cmq.legacy.RewindQueue.not_enabled"}[api])
    assert drain(cmq_session, queue) == []


@pytest.mark.clause("cmq.legacy.SetQueueAttributes.rewind_exceeds_retention",
                    "cmq.legacy.SetQueueAttributes.rule.rewind_within_retention")
def test_rewind_seconds_above_stored_retention_refused(cmq_session: Any,
                                                       cmq_resources: Any) -> None:
    """SetQueueAttributes rewindSeconds alone, above the queue's stored retention, is refused."""
    queue = str(cmq_resources(LEGACY).create("queue", attrs=(("msgretentionseconds", WINDOW),)))
    expect_error(cmq_session, LEGACY, "rewind_exceeds_retention", "SetQueueAttributes",
                 "cmq.legacy.SetQueueAttributes.rewind_exceeds_retention", queuename=queue,
                 rewindseconds=WINDOW + 60)
    got = expect_ok(cmq_session, LEGACY, "GetQueueAttributes", queuename=queue).data
    assert got["rewindSeconds"] == 0, f"the refused rewindSeconds was stored: {got}"
    expect_ok(cmq_session, LEGACY, "SetQueueAttributes", queuename=queue, rewindseconds=WINDOW)
