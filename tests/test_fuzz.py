"""The fuzz mode: wire read-back, the signing transport, and checks that can fail."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from cmqconform.cases.resources import Namer
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.fuzz import fuzz_action, fuzz_id
from cmqconform.fuzz.checks import invalid_data_rejected
from cmqconform.fuzz.transport import FuzzTransport
from cmqconform.fuzz.wire import Ambiguous, violations, wire_view
from cmqconform.models import SpecSet
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from cmqconform.spec.rules import condition_for
from cmqconform.verdicts import Case, Exchange, Expected
from tests.processes import run
from tests.surfaces import LEGACY, V3

SID, KEY = "AKIDfuzzTest0000", "fuzz-test-key"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    return load_specs()


@pytest.fixture(scope="module")
def emulator(specs: SpecSet) -> Iterator[Session]:
    with EmulatorServer({SID: KEY}) as url, \
            Session(specs, url_target(url, Credentials.of(SID, KEY), specs)) as session:
        yield session


def _mock_session(specs: SpecSet, answer: Callable[[httpx.Request], httpx.Response]) -> Session:
    # The transport seam: signed requests go to a deliberately broken server in memory.
    target = url_target("http://127.0.0.1:9", Credentials.of(SID, KEY), specs)
    return Session(specs, target, transport=httpx.MockTransport(answer))


# -- what reaches the wire --------------------------------------------------------------------
def test_legacy_form_carries_text_only(specs: SpecSet) -> None:
    api = specs.api(LEGACY)
    send = api.action("SendMessage")
    view = wire_view(api, send, {"queueName": "q1", "msgBody": "hi", "delaySeconds": "5"})
    assert view == {"queueName": "q1", "msgBody": "hi", "delaySeconds": 5}
    assert violations(api, send, view) == []
    # An empty list and null are no parameter at all on a form.
    view = wire_view(api, api.action("BatchSendMessage"), {"queueName": "q1", "msgBody": []})
    assert [v.condition for v in violations(api, api.action("BatchSendMessage"), view)] \
        == ["missing_parameter"]


def test_legacy_holes_in_indices_are_array_encoding(specs: SpecSet) -> None:
    api = specs.api(LEGACY)
    batch = api.action("BatchSendMessage")
    view = wire_view(api, batch, {"queueName": "q1", "msgBody": ["a", None, "b"]})
    found = violations(api, batch, view)
    assert {(v.param, v.condition) for v in found} == {("msgBody", "array_not_contiguous"),
                                                      ("msgBody", "invalid_type")}


def test_an_empty_batch_item_breaks_the_item_length(specs: SpecSet) -> None:
    api = specs.api(LEGACY)
    batch = api.action("BatchSendMessage")
    found = violations(api, batch, wire_view(api, batch, {"queueName": "q1", "msgBody": [""]}))
    assert [(v.kind, v.condition) for v in found] == [
        ("item_min_length", condition_for(batch.param("msgBody"), "item_min_length"))]


def test_legacy_names_that_collide_with_the_encoding_are_not_judged(specs: SpecSet) -> None:
    api = specs.api(LEGACY)
    send = api.action("SendMessage")
    common = frozenset({"Action"})
    for body in ({"Action": "x"}, {"queueName.0": "x"}, {"queueName": {"": "x"}}):
        with pytest.raises(Ambiguous):
            wire_view(api, send, body, common)


def test_v3_null_is_absent_but_an_unknown_name_stays(specs: SpecSet) -> None:
    api = specs.api(V3)
    topic = api.action("CreateTopic")
    view = wire_view(api, topic, {"TopicName": "t1", "MaxMsgSize": None, "Foo": None})
    assert view == {"TopicName": "t1", "Foo": None}
    assert [v.condition for v in violations(api, topic, view)] == ["unknown_parameter"]


# -- the transport ----------------------------------------------------------------------------
def test_transport_signs_requests_the_emulator_accepts(emulator: Session) -> None:
    namer = Namer("fzt01")
    sent = FuzzTransport(emulator, namer, V3, "CreateQueue").send({"QueueName": "Generated1"})
    assert sent.exchange is not None and sent.exchange.ok, sent.exchange
    # A schema-valid name is replaced by a run-prefixed one (the sweeper may clean it).
    assert str(sent.params["QueueName"]).startswith(namer.run_prefix)
    headers = sent.exchange.evidence.request_headers
    assert headers["x-tc-action"] == "CreateQueue"
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 ")
    assert KEY not in json.dumps(sent.exchange.evidence.to_json())

    sent = FuzzTransport(emulator, namer, LEGACY, "SendMessage").send(
        {"queueName": "generated", "msgBody": "hello"})
    assert sent.exchange is not None and sent.exchange.ok, sent.exchange
    assert sent.exchange.evidence.url.endswith("/v2/index.php")
    assert "Action=SendMessage" in sent.exchange.evidence.request_body
    assert "Signature=***" in sent.exchange.evidence.request_body
    # Everything the examples made is gone again.
    listed = emulator.call(V3, "DescribeQueueDetail", {"Limit": 50})
    assert not [q for q in listed.data["QueueSet"]
                if q["QueueName"].startswith(namer.run_prefix)]


@pytest.mark.parametrize(("api", "action"), [(V3, "ModifyQueueAttribute"),
                                             (LEGACY, "ReceiveMessage")])
def test_fuzz_passes_against_the_emulator(emulator: Session, api: str, action: str) -> None:
    # One namer per test: a name is not reusable for a while after its deletion.
    verdict = fuzz_action(emulator, Namer(f"fzt02{action.lower()}"), api, action, examples=6,
                          seed=5)
    assert verdict.verdict == "pass", verdict.message
    assert verdict.case_id == fuzz_id(api, action)
    assert verdict.received.startswith("6 examples")


# -- checks that fail ---------------------------------------------------------------------
def _envelope(doc: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers.get("Authorization") or b"Signature=" in request.content
        return httpx.Response(status, json=doc)
    return answer


def test_a_server_that_accepts_everything_fails(specs: SpecSet) -> None:
    session = _mock_session(specs, _envelope({"Response": {"RequestId": "r-1"}}))
    verdict = fuzz_action(session, Namer("fzt03"), V3, "ModifyTopicAttribute", examples=12,
                          seed=1)
    assert verdict.verdict == "fail"
    assert "Invalid data accepted" in verdict.message
    assert any(c.startswith("cmq.v3.ModifyTopicAttribute.") for c in verdict.clause_ids)
    # The verdict keeps the expectation of the example that failed: a refusal.
    assert verdict.case_kind == "fuzz"
    assert verdict.expects is not None and not verdict.expects.success


def test_a_malformed_envelope_fails_not_errors(specs: SpecSet) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>gateway says hello</html>")

    verdict = fuzz_action(_mock_session(specs, answer), Namer("fzt04"), LEGACY,
                          "ListQueue", examples=3, seed=2)
    assert verdict.verdict == "fail"
    assert verdict.failures[0].title == "Malformed envelope"
    assert "cmq.legacy.protocol.envelope" in verdict.clause_ids


def test_a_5xx_and_a_broken_error_envelope_fail(specs: SpecSet) -> None:
    error = {"Response": {"Error": {"Code": "InternalError", "Message": "boom"},
                          "RequestId": "r"}}
    verdict = fuzz_action(_mock_session(specs, _envelope(error, 502)), Namer("fzt05"), V3,
                          "DescribeTopicDetail", examples=3, seed=3)
    assert verdict.verdict == "fail"
    assert "Server error" in {f.title for f in verdict.failures}
    no_request_id = {"code": 4000, "message": "(10110) bad"}
    verdict = fuzz_action(_mock_session(specs, _envelope(no_request_id)), Namer("fzt06"),
                          LEGACY, "ListTopic", examples=3, seed=4)
    assert verdict.verdict == "fail"
    assert "Error envelope violates schema" in {f.title for f in verdict.failures}


def test_an_error_with_a_rest_status_fails(specs: SpecSet) -> None:
    error = {"code": 4000, "message": "(10110) bad", "requestId": "r"}
    verdict = fuzz_action(_mock_session(specs, _envelope(error, 400)), Namer("fzt07"), LEGACY,
                          "ListQueue", examples=3, seed=6)
    assert verdict.verdict == "fail"
    assert "Undocumented status code" in {f.title for f in verdict.failures}


def test_invalid_data_rejected_names_the_broken_clause() -> None:
    expected = Expected(False, ())
    case = Case("fuzz[cmq.v3 X]", V3, "X", "fuzz", {"Limit": -1}, expected,
                ("cmq.v3.X.Limit.range",), "{}")
    failure = invalid_data_rejected(None, case, Exchange(True, "r"))  # type: ignore[arg-type]
    assert failure is not None and failure.title == "Invalid data accepted"
    assert failure.clause_ids == ("cmq.v3.X.Limit.range",)
    assert invalid_data_rejected(None, case, Exchange(False, "r", code="InvalidParameter")) \
        is not None  # type: ignore[arg-type]


# -- selection ----------------------------------------------------------------------------
def _collected(*extra: str) -> list[str]:
    out = run(
        [sys.executable, "-m", "pytest", str(ROOT / "suites"), "-c",
         str(ROOT / "suites" / "pytest.ini"), "--rootdir", str(ROOT / "suites"),
         "--collect-only", "-q", "-k", "fuzz", *extra],
        timeout=300)
    return [line for line in out.stdout.splitlines() if "::fuzz[" in line]


def test_fuzz_folder_is_ignored_without_the_option() -> None:
    spec = importlib.util.spec_from_file_location("suites_conftest",
                                                  ROOT / "suites" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def config(fuzz: bool) -> Any:
        return SimpleNamespace(option=SimpleNamespace(cmq_fuzz=fuzz))

    fuzz_file = ROOT / "suites" / "fuzz" / "cmq.v3.fuzz"
    assert module.pytest_ignore_collect(fuzz_file, config(False)) is True
    assert module.pytest_ignore_collect(fuzz_file.parent, config(False)) is True
    assert module.pytest_ignore_collect(fuzz_file, config(True)) is None
    assert module.pytest_ignore_collect(ROOT / "suites" / "generated", config(False)) is None


def test_fuzz_items_are_collected_with_the_option(specs: SpecSet) -> None:
    items = _collected("--cmq-fuzz", "--cmq-api", LEGACY)
    assert len(items) == len(specs.api(LEGACY).actions)
    assert "fuzz/cmq.legacy.fuzz::fuzz[cmq.legacy SendMessage]" in items
