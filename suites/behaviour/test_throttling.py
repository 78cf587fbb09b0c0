"""Legacy throttling where the target declares a request rate: a burst is answered 4420/10250."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from behaviour_steps import LEGACY, accepts, check_error

from cmqconform.provision import named
from cmqconform.session import Session

#: Concurrent senders of the burst (bounded; enough to beat one wall second on any target).
SENDERS = 8


@pytest.mark.clause("cmq.legacy.condition.rate_limited")
def test_legacy_burst_answers_rate_limited(cmq_session: Any) -> None:
    """Past the declared legacy requests per second, the target answers the throttling code."""
    rate = cmq_session.target.declared_limits.get("legacy_requests_per_second")
    if rate is None:
        pytest.skip("the target declares no legacy rate (declared_limits."
                    "legacy_requests_per_second)")
    # A session of its own: the run's shared limiter would keep the burst under the limit.
    with Session(cmq_session.specs, cmq_session.target) as burst:
        params = named(burst, LEGACY, "ListQueue", limit=1)
        with ThreadPoolExecutor(SENDERS) as pool:
            answers = list(pool.map(lambda _: burst.call(LEGACY, "ListQueue", params),
                                    range(3 * int(rate))))
    throttled = [a for a in answers if not a.ok]
    assert throttled, f"{len(answers)} ListQueue at once, limit {rate}/s: none was throttled"
    for answer in throttled:
        check_error(cmq_session, LEGACY, "rate_limited", answer, "ListQueue burst",
                    "cmq.legacy.condition.rate_limited")
    assert all(a.ok or accepts(cmq_session, LEGACY, "rate_limited", a) for a in answers)
