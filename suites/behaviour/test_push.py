"""HTTP push: a receiver on 127.0.0.1 checks the JSON and SIMPLIFIED requests and the retries.

The target must reach the receiver on loopback, and its push waits must be scaled down
(``cmq_push_time_scale``) for the retry scenarios to finish in seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from behaviour_steps import LEGACY, expect_ok, wait_for


@dataclass(frozen=True, slots=True)
class Pushed:
    """One push request as received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback HTTP endpoint that records pushes and answers scripted statuses."""

    statuses: list[int] = field(default_factory=list)
    pushes: list[Pushed] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: When set to an Event, each push is held unanswered until it is set (at most 10 s).
    gate: threading.Event | None = None

    def record(self, push: Pushed) -> int:
        """Keep a push; the next scripted status, 200 once the script is used up."""
        with self.lock:
            self.pushes.append(push)
            return self.statuses.pop(0) if self.statuses else 200

    def count(self) -> int:
        """Pushes received so far."""
        with self.lock:
            return len(self.pushes)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A push receiver on 127.0.0.1, stopped after the test."""
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = box.record(Pushed("POST", self.path,
                                       {k.lower(): v for k, v in self.headers.items()}, body))
            if box.gate is not None:
                box.gate.wait(10)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/cmqc-push"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()
    thread.join(5)


def _http_topic(session: Any, res: Any, url: str, **extra: Any) -> tuple[str, str]:
    """A topic with one http subscription to ``url``; returns (topic, subscription)."""
    topic = str(res.create("topic"))
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    expect_ok(session, LEGACY, "Subscribe", "cmq.legacy.push.http_post", topicname=topic,
              subscriptionname=name, protocol="http", endpoint=url, **extra)
    return topic, name


def _strategy(session: Any, name: str) -> dict[str, Any]:
    return dict(session.specs.api(LEGACY).push["retry_strategies"][name])


def _header(session: Any, carries: str) -> dict[str, Any]:
    return next(h for h in session.specs.api(LEGACY).push["headers"] if h.get("carries") == carries)


SETTLE = 5.0
#: Longest a retry scenario may wait; past it (an unscaled target) the scenario is skipped.
MAX_WAIT = 30.0


@pytest.mark.clause("cmq.legacy.push.http_post", "cmq.legacy.push.json_body",
                    "cmq.legacy.push.message_id_header", "cmq.legacy.push.tag_header",
                    "cmq.legacy.push.default_format", "cmq.legacy.push.success_2xx")
def test_json_push(cmq_session: Any, cmq_resources: Any, receiver: Receiver) -> None:
    """A JSON push carries exactly the documented fields and the x-cmq-* headers, once."""
    topic, sub = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url)
    body = 'json "quoted" ✓'
    published = expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody=body,
                          msgtag=["a", "b"])
    assert wait_for(lambda: receiver.count() or None, SETTLE), "no push within 5 s"
    push = receiver.pushes[0]
    assert push.method == cmq_session.specs.api(LEGACY).push["method"]
    doc = json.loads(push.body)
    fields = [f["name"] for f in cmq_session.specs.api(LEGACY).push["formats"]["JSON"]["fields"]]
    assert sorted(doc) == sorted(fields), f"JSON push fields {sorted(doc)}; documented {fields}"
    assert doc["msgBody"] == body and doc["topicName"] == topic and doc["subscriptionName"] == sub
    assert doc["msgId"] == published.data["msgId"]
    assert push.headers.get(_header(cmq_session, "msgId")["name"]) == published.data["msgId"]
    assert _header(cmq_session, "requestId")["name"] in push.headers
    tags = _header(cmq_session, "msgTag")
    assert push.headers.get(tags["name"]) == tags["separator"].join(["a", "b"])
    time.sleep(0.5)
    assert receiver.count() == 1, "a message answered with 200 was pushed again"


@pytest.mark.clause("cmq.legacy.push.simplified_body", "cmq.legacy.push.message_id_header")
def test_simplified_push(cmq_session: Any, cmq_resources: Any, receiver: Receiver) -> None:
    """A SIMPLIFIED push's body is the published body byte for byte; msgId in the header."""
    topic, _ = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url,
                           notifycontentformat="SIMPLIFIED")
    body = '{"raw": "body"} ✓ line\nnext'
    published = expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody=body)
    assert wait_for(lambda: receiver.count() or None, SETTLE), "no push within 5 s"
    push = receiver.pushes[0]
    assert push.body == body.encode("utf-8")
    assert push.headers.get(_header(cmq_session, "msgId")["name"]) == published.data["msgId"]
    assert _header(cmq_session, "requestId")["name"] in push.headers


@pytest.mark.clause("cmq.legacy.push.default_strategy",
                    "cmq.legacy.Subscribe.notifyStrategy.default")
def test_default_strategy(cmq_session: Any, cmq_resources: Any, receiver: Receiver) -> None:
    """An http subscription created without notifyStrategy uses EXPONENTIAL_DECAY_RETRY."""
    topic, sub = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url)
    got = expect_ok(cmq_session, LEGACY, "GetSubscriptionAttributes", topicname=topic,
                    subscriptionname=sub)
    default = next(n for n, s in cmq_session.specs.api(LEGACY).push["retry_strategies"].items()
                   if s.get("default"))
    assert got.data["notifyStrategy"] == default


def _budget(strategy: dict[str, Any], retries: int, scale: float) -> float:
    """Seconds the first ``retries`` retries may take under ``strategy``, scaled, plus slack."""
    if "base" in strategy:
        waits = [min(strategy["base"] ** i, strategy["cap_seconds"]) for i in range(retries)]
    else:
        waits = [strategy["interval_max_seconds"]] * retries
    return sum(waits) * scale + SETTLE


@pytest.mark.parametrize("strategy", ["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"])
@pytest.mark.clause("cmq.legacy.push.failure_retried", "cmq.legacy.push.success_2xx",
                    "cmq.legacy.push.backoff_retry", "cmq.legacy.push.exponential_decay_retry")
def test_non_2xx_retried_until_2xx(cmq_session: Any, cmq_resources: Any, receiver: Receiver,
                                   cmq_push_time_scale: float, strategy: str) -> None:
    """Non-2xx answers are retried under the strategy; the first 2xx stops the retries."""
    receiver.statuses = [500, 503]
    spec = _strategy(cmq_session, strategy)
    budget = _budget(spec, 2, cmq_push_time_scale)
    if budget > MAX_WAIT:
        pytest.skip(f"{strategy} retries take {budget:.0f} s at this target's time scale")
    topic, _ = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url,
                           notifystrategy=strategy)
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="retry me")
    assert wait_for(lambda: receiver.count() >= 3 or None, budget), (
        f"{strategy}: {receiver.count()} push attempts within {budget:.1f} s; expected 3 "
        f"(two failures, then the 2xx)")
    # Long enough for one more retry, had the 2xx not stopped them.
    time.sleep(_budget(spec, 3, cmq_push_time_scale) - _budget(spec, 2, cmq_push_time_scale)
               + 0.5)
    assert receiver.count() == 3, f"{strategy}: pushed {receiver.count()} times; the 2xx " \
                                  f"should have stopped the retries"
    assert len({p.headers.get("x-cmq-message-id") for p in receiver.pushes}) == 1


@pytest.mark.clause("cmq.legacy.push.backoff_retry", "cmq.legacy.push.failure_retried")
def test_backoff_gives_up_after_retries(cmq_session: Any, cmq_resources: Any,
                                        receiver: Receiver, cmq_push_time_scale: float) -> None:
    """Under BACKOFF_RETRY a message always refused is tried 1 + 3 times, then dropped."""
    spec = _strategy(cmq_session, "BACKOFF_RETRY")
    attempts = 1 + int(spec["retries"])
    receiver.statuses = [500] * (attempts + 5)
    budget = _budget(spec, attempts, cmq_push_time_scale)
    if budget > MAX_WAIT:
        pytest.skip(f"BACKOFF_RETRY takes {budget:.0f} s at this target's time scale")
    topic, _ = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url,
                           notifystrategy="BACKOFF_RETRY")
    expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="always refused")
    assert wait_for(lambda: receiver.count() >= attempts or None, budget)
    time.sleep(spec["interval_max_seconds"] * cmq_push_time_scale * 2 + 0.5)
    assert receiver.count() == attempts, f"BACKOFF_RETRY: {receiver.count()} attempts, " \
                                         f"expected {attempts}"


@pytest.mark.clause("cmq.legacy.GetSubscriptionAttributes.msg_count_pending")
def test_msg_count_counts_undelivered(cmq_session: Any, cmq_resources: Any,
                                      receiver: Receiver) -> None:
    """msgCount is 1 while a push waits for the receiver's answer, and 0 once it is answered."""
    topic, sub = _http_topic(cmq_session, cmq_resources(LEGACY), receiver.url)

    def pending() -> int:
        return int(expect_ok(cmq_session, LEGACY, "GetSubscriptionAttributes", topicname=topic,
                             subscriptionname=sub).data["msgCount"])

    assert pending() == 0
    receiver.gate = threading.Event()
    try:
        expect_ok(cmq_session, LEGACY, "PublishMessage", topicname=topic, msgbody="held")
        assert wait_for(lambda: receiver.count() or None, SETTLE), "no push within 5 s"
        held = pending()
        assert held == 1, (f"msgCount {held} while the only push is unanswered "
                           "(cmq.legacy.GetSubscriptionAttributes.msg_count_pending)")
    finally:
        receiver.gate.set()
    assert wait_for(lambda: True if pending() == 0 else None, SETTLE), (
        f"msgCount still {pending()} after the push was answered 200")
