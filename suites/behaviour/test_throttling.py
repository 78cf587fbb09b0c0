"""Legacy throttling where the target declares a request rate: a burst is answered 4420/10250."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from behaviour_steps import LEGACY, accepts, check_error, limit

from cmqconform.provision import Resources, named
from cmqconform.session import Session

#: Concurrent senders of the burst (bounded; enough to beat one wall second on any target).
SENDERS = 8


@pytest.mark.clause("cmq.legacy.condition.rate_limited")
def test_legacy_burst_answers_rate_limited(cmq_throttled_session: Session) -> None:
    """Past the declared legacy requests per second, the target answers the throttling code."""
    session = cmq_throttled_session
    rate = session.target.declared_limits.get("legacy_requests_per_second")
    if rate is None:
        pytest.skip("the target declares no legacy rate (declared_limits."
                    "legacy_requests_per_second)")
    # A session of its own: the run's shared limiter would keep the burst under the limit.
    with Session(session.specs, session.target) as burst:
        params = named(burst, LEGACY, "ListQueue", limit=1)
        with ThreadPoolExecutor(SENDERS) as pool:
            answers = list(pool.map(lambda _: burst.call(LEGACY, "ListQueue", params),
                                    range(3 * int(rate))))
    throttled = [a for a in answers if not a.ok]
    assert throttled, f"{len(answers)} ListQueue at once, limit {rate}/s: none was throttled"
    for answer in throttled:
        check_error(session, LEGACY, "rate_limited", answer, "ListQueue burst",
                    "cmq.legacy.condition.rate_limited")
    assert all(a.ok or accepts(session, LEGACY, "rate_limited", a) for a in answers)


@pytest.mark.clause("cmq.legacy.protocol.qps_counts_messages")
def test_legacy_batches_count_each_message(cmq_throttled_session: Session,
                                           cmq_resources: Any) -> None:
    """Full batches are throttled after fewer requests than the rate: each message counts."""
    session = cmq_throttled_session
    rate = session.target.declared_limits.get("legacy_requests_per_second")
    if rate is None:
        pytest.skip("the target declares no legacy rate (declared_limits."
                    "legacy_requests_per_second)")
    most = limit(session, "batch_max_messages")
    # Enough full batches that any split over two wall seconds puts more than `rate` messages
    # in one of them, yet fewer requests than `rate`.
    batches = 2 * (int(rate) // most) + 3
    if batches >= int(rate):
        pytest.skip(f"a rate of {rate}/s cannot tell {batches} batches from as many messages")
    res = Resources(session, LEGACY, cmq_resources(LEGACY).namer)
    try:
        queue = res.create("queue")
        with Session(session.specs, session.target) as burst:
            params = named(burst, LEGACY, "BatchSendMessage", queuename=queue,
                           msgbody=[f"m{i}" for i in range(most)])
            with ThreadPoolExecutor(SENDERS) as pool:
                answers = list(pool.map(
                    lambda _: burst.call(LEGACY, "BatchSendMessage", params), range(batches)))
    finally:
        res.cleanup()
    throttled = [a for a in answers if not a.ok]
    assert throttled, (
        f"{batches} BatchSendMessage of {most} messages at once ({batches * most} messages, "
        f"limit {rate}/s): none was throttled (cmq.legacy.protocol.qps_counts_messages)")
    for answer in throttled:
        check_error(session, LEGACY, "rate_limited", answer, "BatchSendMessage burst",
                    "cmq.legacy.protocol.qps_counts_messages")
