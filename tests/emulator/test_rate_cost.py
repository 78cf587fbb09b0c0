"""A batch counts its items against the emulator's rate limit, as the action's spec says
(``rate_cost``, cmq-api.txt:4008): the same data the client-side limiter reads."""

from __future__ import annotations

import json
from pathlib import Path

from cmqconform.emulator.clock import FakeClock
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY

from .signed import SID, SKEY
from .test_app import Client, code

SPECS = load_specs()


def test_the_spec_gives_a_batch_its_items_and_others_one() -> None:
    actions = SPECS.api(LEGACY).actions
    assert actions["BatchSendMessage"].request_cost({"msgBody": ["a", "b", "c"]}) == 3
    assert actions["BatchSendMessage"].request_cost({"msgBody.1": "a", "msgBody.2": "b"}) == 2
    assert actions["BatchReceiveMessage"].request_cost({"numOfMsg": "7"}) == 7
    assert actions["SendMessage"].request_cost({"msgBody": "a"}) == 1


def test_a_batch_uses_up_the_rate_by_its_items() -> None:
    clock = FakeClock()  # frozen time: every request falls in one window
    with EmulatorServer({SID: SKEY}, options=ServerOptions(rate_limit=5), clock=clock) as url:
        c = Client(url, now=clock.now())
        try:
            assert c.legacy("CreateQueue", {"queueName": "rate-cost"})["code"] == 0
            three = {"queueName": "rate-cost", "msgBody.1": "a", "msgBody.2": "b",
                     "msgBody.3": "c"}
            assert c.legacy("BatchSendMessage", three)["code"] == 0
            # 3 units used of 5: one more batch of three is over the limit.
            assert c.legacy("BatchSendMessage", three)["code"] == code(LEGACY, "rate_limited")
        finally:
            c.close()


def test_the_request_log_counts_units_and_carries_no_value(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with EmulatorServer({SID: SKEY}, options=ServerOptions(request_log=log)) as url:
        c = Client(url)
        try:
            c.legacy("CreateQueue", {"queueName": "logged-queue"})
            c.legacy("BatchSendMessage", {"queueName": "logged-queue", "msgBody.1": "secretish",
                                          "msgBody.2": "b"})
            c.legacy("ListQueue", key="wrong")  # refused before the limiter: no units
        finally:
            c.close()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(r["api"], r["action"], r["cost"], r["outcome"]) for r in lines] == [
        (LEGACY, "CreateQueue", 1, "ok"), (LEGACY, "BatchSendMessage", 2, "ok"),
        (LEGACY, "ListQueue", 0, "signature_failure")]
    assert "secretish" not in log.read_text() and "logged-queue" not in log.read_text()
