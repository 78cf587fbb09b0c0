"""A wait for a rate-limit slot never fails a timer scenario (issue 19): a look meant to land
inside a timer that came back after it could have fired is tried again, and is an error after
the last attempt; a session of a scenario's own shares the run's limiter."""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.dialects import Credentials
from cmqconform.properties.steps import TooLate, in_time
from cmqconform.ratelimit import FileRateLimiter
from cmqconform.runner import SuiteFault
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs

SUITES = Path(__file__).resolve().parents[1] / "suites" / "behaviour"


@pytest.fixture(scope="module")
def steps() -> Iterator[Any]:
    """The behaviour suite's step module (it lives beside the scenarios, not in the package)."""
    sys.path.insert(0, str(SUITES))
    try:
        import behaviour_steps
    finally:
        sys.path.remove(str(SUITES))
    yield behaviour_steps


def _breach() -> None:
    raise AssertionError("received success")


def test_a_look_in_time_that_breaks_the_timer_fails() -> None:
    with pytest.raises(AssertionError, match="received success"):
        in_time(_breach, time.monotonic() + 60, "look")


def test_a_look_back_after_the_timer_could_fire_proves_nothing() -> None:
    with pytest.raises(TooLate, match="proves nothing"):
        in_time(_breach, time.monotonic() - 0.01, "look")
    in_time(lambda: None, time.monotonic() - 0.01, "look")  # held: nothing to say


def test_a_late_scenario_runs_again_and_an_always_late_one_is_an_error(steps: Any) -> None:
    runs: list[int] = []

    @steps.timed
    def late_twice(queue: str) -> None:
        runs.append(1)
        if len(runs) < 3:
            raise TooLate("late")

    late_twice("q")
    assert len(runs) == 3

    @steps.timed
    def always_late() -> None:
        raise TooLate("late")

    with pytest.raises(SuiteFault, match="3 attempts"):
        always_late()

    @steps.timed
    def breaks() -> None:
        runs.append(1)
        raise AssertionError("hidden message received")

    runs.clear()
    with pytest.raises(AssertionError):
        breaks()
    assert len(runs) == 1, "a breach in time is a fail at once, not tried again"


def test_timed_keeps_the_scenarios_fixtures(steps: Any) -> None:
    def scenario(cmq_session: Any, cmq_resources: Any) -> None:
        """Doc."""

    wrapped = steps.timed(scenario)
    assert list(inspect.signature(wrapped).parameters) == ["cmq_session", "cmq_resources"]
    assert wrapped.__doc__ == "Doc."


def test_a_sibling_session_shares_the_limiter_and_the_units(tmp_path: Path) -> None:
    specs = load_specs()
    target = url_target("http://127.0.0.1:9", Credentials.of("AKIDsib", "k"), specs)
    limiter = FileRateLimiter(tmp_path, 20)
    with Session(specs, target, limiter=limiter, retry_throttled=True) as session, \
            session.sibling() as own:
        assert own.limiter is limiter and own.retry_throttled
        assert own.sent is session.sent
