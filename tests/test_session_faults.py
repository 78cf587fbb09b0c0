"""The session under faults: throttled calls retried, an unreachable target not waited on."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cmqconform import session as session_module
from cmqconform.dialects import Credentials
from cmqconform.ratelimit import FileRateLimiter
from cmqconform.session import UNREACHABLE_AFTER, Session, url_target
from cmqconform.spec import load_specs

CREDS = Credentials.of("AKIDcmqcsessionfault1", "session-fault-key-0001")
THROTTLED = {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"},
                          "RequestId": "r"}}
OK = {"Response": {"QueueId": "queue-1", "RequestId": "r"}}


def _session(handler: httpx.MockTransport, *, retry: bool = True) -> Session:
    specs = load_specs()
    return Session(specs, url_target("http://127.0.0.1:9", CREDS, specs), transport=handler,
                   retry_throttled=retry)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "THROTTLE_BACKOFF", (0.0, 0.0, 0.0))


def test_a_throttled_call_is_sent_again_and_counted() -> None:
    answers = iter([THROTTLED, THROTTLED, OK])
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=next(answers))

    with _session(httpx.MockTransport(answer)) as s:
        got = s.call("cmq.v3", "CreateQueue", {"QueueName": "q"})
    assert got.ok and len(sent) == 3 and s.retries == 2


def test_a_call_throttled_past_every_retry_is_a_fault_not_an_answer() -> None:
    with _session(httpx.MockTransport(lambda r: httpx.Response(200, json=THROTTLED))) as s:
        got = s.call("cmq.v3", "CreateQueue", {"QueueName": "q"})
    assert got.fault == "throttled: RequestLimitExceeded after 3 retries"
    assert s.first_fault_since(0) is got


def test_a_session_that_does_not_retry_sees_the_throttle() -> None:
    with _session(httpx.MockTransport(lambda r: httpx.Response(200, json=THROTTLED)),
                  retry=False) as s:
        got = s.call("cmq.v3", "CreateQueue", {"QueueName": "q"})
    assert got.fault is None and got.code == "RequestLimitExceeded" and s.retries == 0


def test_an_unreachable_target_is_not_waited_on_call_after_call() -> None:
    sent = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        raise httpx.ConnectError("refused", request=request)

    with _session(httpx.MockTransport(refuse)) as s:
        answers = [s.call("cmq.v3", "CreateQueue", {"QueueName": "q"}) for _ in range(12)]
    assert len(sent) == UNREACHABLE_AFTER
    assert all(a.fault and a.fault.startswith("transport: ") for a in answers)
    assert "target unreachable" in (answers[-1].fault or "")
    assert json.dumps([a.fault for a in answers]).count("not sent") == 12 - UNREACHABLE_AFTER


class _Booked:
    """A limiter that books nothing but notes each slot asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def acquire(self, key: str, units: int = 1) -> float:
        """Note the slot; no wait."""
        self.asked.append((key, units))
        return 0.0


def test_a_hand_built_request_waits_for_its_slot_like_a_call() -> None:
    # A signature property sends a request signed and then altered by hand: against a
    # rate-limited target it counts as its action like any call, or the target refuses it.
    specs = load_specs()
    booked = _Booked()
    session = Session(specs, url_target("http://127.0.0.1:9", CREDS, specs),
                      transport=httpx.MockTransport(lambda r: httpx.Response(200, json=OK)),
                      limiter=booked)
    with session:
        session.call("cmq.legacy", "BatchSendMessage",
                     {"queueName": "q", "msgBody": ["a", "b", "c"]})
        request = httpx.Request("POST", "http://127.0.0.1:9/v2/index.php", content=b"x=1")
        session.send_request("cmq.legacy", request, httpx.Auth(), action="BatchSendMessage",
                             params={"queueName": "q", "msgBody": ["a", "b"]})
    assert [cost for _, cost in booked.asked] == [3, 2]
    assert booked.asked[0][0] == booked.asked[1][0]
    assert booked.asked[0][0].endswith(".cmq.legacy.BatchSendMessage")
    assert "AKIDcmqcsessionfault1" not in booked.asked[0][0]


def test_a_batch_heavier_than_the_declared_rate_is_not_sent(tmp_path: Path) -> None:
    # A batch of 16 against a target declaring 10 per second would be refused however long it
    # waited: the call is a fault (an error verdict), and the target never sees it.
    specs = load_specs()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "message": "", "requestId": "r"})

    session = Session(specs, url_target("http://127.0.0.1:9", CREDS, specs),
                      transport=httpx.MockTransport(answer),
                      limiter=FileRateLimiter(tmp_path, 10))
    with session:
        got = session.call("cmq.legacy", "BatchSendMessage",
                           {"queueName": "q", "msgBody": [f"m{i}" for i in range(16)]})
        assert not got.ok and not seen
        assert got.fault is not None and got.fault.startswith("not sent: BatchSendMessage: 16")
        assert session.unreachable is None  # not a transport fault: the breaker stays closed
        assert session.call("cmq.legacy", "BatchSendMessage",
                            {"queueName": "q", "msgBody": ["a", "b"]}).ok
