"""A polling loop never reads a failed receive as "no message" (issue 18, item 2).

The behaviour scenarios' receive loops (``drain``, ``receive_visible`` and the loops built on
``polled``) run through the fault injector spoiling every answer: each must end the scenario as
an error naming the fault, where before a reset or a garbled body looked like an empty queue.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.proxy.faults import TRANSPORT_KINDS, injecting
from cmqconform.runner import SuiteFault
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from tests.surfaces import APIS, LEGACY, V3

SECRET_ID, SECRET_KEY = "AKIDcmqcpollfault0001", "poll-fault-secret-key-0001"
NUMBERS = itertools.count(1)
SUITES = Path(__file__).resolve().parents[2] / "suites" / "behaviour"


@pytest.fixture(scope="module")
def steps() -> Any:
    """The behaviour suite's step module (it lives beside the scenarios, not in the package)."""
    sys.path.insert(0, str(SUITES))
    try:
        import behaviour_steps
    finally:
        sys.path.remove(str(SUITES))
    return behaviour_steps


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with EmulatorServer({SECRET_ID: SECRET_KEY}) as url:
        yield url


def _session(url: str) -> Session:
    specs = load_specs()
    return Session(specs, url_target(url, Credentials.of(SECRET_ID, SECRET_KEY), specs),
                   retry_throttled=True, timeout=10)


@pytest.fixture
def queue(upstream: str) -> Iterator[str]:
    """An empty queue, made and removed straight at the emulator."""
    name = f"cmqcpoll{next(NUMBERS)}"
    with _session(upstream) as direct:
        assert direct.call(V3, "CreateQueue", {"QueueName": name}).ok
        yield name
        direct.call(V3, "DeleteQueue", {"QueueName": name})


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from cmqconform import session as session_module

    monkeypatch.setattr(session_module, "THROTTLE_BACKOFF", (0.0, 0.0, 0.0))


@pytest.mark.parametrize("kind", TRANSPORT_KINDS)
def test_a_failed_receive_ends_a_drain_as_an_error(steps: Any, upstream: str, queue: str,
                                                   kind: str) -> None:
    with injecting(upstream, (kind,), every=1, specs=load_specs(), apis=APIS,
                   hang_seconds=0.2) as injector, _session(injector.url) as session, \
            pytest.raises(SuiteFault) as raised:
        steps.drain(session, queue)
    # The fault is the evidence: what broke, never "the queue was empty".
    assert f"ReceiveMessage {queue}: " in str(raised.value)
    assert any(word in str(raised.value) for word in ("transport", "throttled", "JSON", "json",
                                                      "decode", "body", "HTTP")), raised.value
    assert session.first_fault_since(0) is not None


def test_a_failed_receive_is_not_polled_past(steps: Any, upstream: str, queue: str) -> None:
    with injecting(upstream, ("reset",), every=1, specs=load_specs(), apis=APIS) as injector, \
            _session(injector.url) as session:
        with pytest.raises(SuiteFault):
            steps.receive_visible(session, queue, 5.0)
        # One receive, not a poll until the deadline that reads each reset as "empty".
        assert session.calls == 1


def test_an_empty_receive_still_ends_the_loop(steps: Any, upstream: str, queue: str) -> None:
    with _session(upstream) as session:
        assert steps.drain(session, queue) == []
        assert steps.receive_visible(session, queue, 0.0) is None
        assert session.first_fault_since(0) is None


def test_a_wrong_error_code_while_polling_is_a_contract_failure(steps: Any, upstream: str) -> None:
    with _session(upstream) as session, pytest.raises(AssertionError, match="no_message"):
        steps.drain(session, "cmqc-poll-no-such-queue")


def test_the_target_s_internal_error_is_a_fault(upstream: str, queue: str) -> None:
    with injecting(upstream, ("echo",), every=1, specs=load_specs(), apis=APIS) as injector, \
            _session(injector.url) as session:
        got = session.call(LEGACY, "ReceiveMessage", {"queueName": queue})
    assert got.fault is not None and got.fault.startswith("target internal error: 6000")
    assert SECRET_KEY not in got.fault
