"""Legacy throttling where the target declares a request rate: a burst is answered 4420/10250."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import LEGACY, burst, check_throttled, limit

from cmqconform.provision import Resources
from cmqconform.session import Session


@pytest.mark.clause("cmq.legacy.condition.rate_limited")
def test_legacy_burst_answers_rate_limited(cmq_throttled_session: Session) -> None:
    """Past the declared legacy requests per second, the target answers the throttling code."""
    session = cmq_throttled_session
    rate = session.target.declared_limits.get("legacy_requests_per_second")
    if rate is None:
        pytest.skip("the target declares no legacy rate (declared_limits."
                    "legacy_requests_per_second)")
    answers = burst(session, LEGACY, "ListQueue", 3 * int(rate), limit=1)
    check_throttled(session, LEGACY, answers, f"{len(answers)} ListQueue at once, limit {rate}/s",
                    "cmq.legacy.condition.rate_limited")


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
        answers = burst(session, LEGACY, "BatchSendMessage", batches,
                        queuename=res.create("queue"), msgbody=[f"m{i}" for i in range(most)])
    finally:
        res.cleanup()
    check_throttled(session, LEGACY, answers,
                    f"{batches} BatchSendMessage of {most} messages at once "
                    f"({batches * most} messages, limit {rate}/s)",
                    "cmq.legacy.protocol.qps_counts_messages")
