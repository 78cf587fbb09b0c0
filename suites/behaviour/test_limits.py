"""Protocol limits: request size over the limit, and throttling where the target declares it."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import LEGACY, V3, burst, check_error, check_throttled

from cmqconform.provision import named
from cmqconform.session import Session

#: Sizes the doc states (cmq-api.txt:236 for API 3.0 GET, :6650 for legacy requests).
KB = 1024


@pytest.mark.clause("cmq.legacy.protocol.request_size", "cmq.legacy.condition.request_too_large")
def test_legacy_request_over_1mb_refused(cmq_session: Any, cmq_resources: Any) -> None:
    """A legacy request larger than 1 MB is answered with request_too_large."""
    queue = cmq_resources(LEGACY).create("queue")
    params = named(cmq_session, LEGACY, "SendMessage", queuename=queue,
                   msgbody="x" * (KB * KB + KB))
    got = cmq_session.call(LEGACY, "SendMessage", params)
    check_error(cmq_session, LEGACY, "request_too_large", got, "SendMessage of 1 MB + 1 KB",
                "cmq.legacy.protocol.request_size")


@pytest.mark.clause("cmq.v3.protocol.request_size", "cmq.v3.condition.request_too_large")
def test_v3_get_over_32kb_refused(cmq_session: Any) -> None:
    """An API 3.0 GET request larger than 32 KB is answered with RequestSizeLimitExceeded."""
    params = named(cmq_session, V3, "DescribeQueueDetail", queuename="q" * (33 * KB))
    got = cmq_session.call(V3, "DescribeQueueDetail", params, http_method="GET")
    check_error(cmq_session, V3, "request_too_large", got, "DescribeQueueDetail GET of 33 KB",
                "cmq.v3.protocol.request_size")


@pytest.mark.clause("cmq.v3.protocol.rate_limit", "cmq.v3.condition.rate_limited")
def test_throttled_target_answers_rate_limited(cmq_throttled_session: Session) -> None:
    """Past the declared requests per second, the target answers RequestLimitExceeded."""
    target = cmq_throttled_session.target
    rate = target.declared_limits.get("v3_requests_per_second")
    if rate is None:
        pytest.skip("the target declares no API 3.0 rate (declared_limits.v3_requests_per_second)")
    answers = burst(cmq_throttled_session, V3, "DescribeQueueDetail", 3 * int(rate), limit=1)
    check_throttled(cmq_throttled_session, V3, answers,
                    f"{len(answers)} DescribeQueueDetail at once, limit {rate}/s",
                    "cmq.v3.protocol.rate_limit")
