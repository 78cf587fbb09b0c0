"""The judge on hand-made exchanges (no network): which clause, which side, which verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cmqconform.proxy.exchange import Recorded, redacted
from cmqconform.proxy.judge import Judge
from cmqconform.spec import load_specs

AUTH = ("TC3-HMAC-SHA256 Credential=AKIDjudge/2024-01-01/cmq/tc3_request, "
        "SignedHeaders=content-type;host, Signature=0123456789abcdef")


@pytest.fixture(scope="module")
def judge() -> Judge:
    """A judge of every product."""
    return Judge(load_specs())


def v3(action: str, params: dict[str, Any], answer: dict[str, Any], *,
       status: int = 200) -> Recorded:
    """An API 3.0 TC3 exchange, redacted as the proxy records it."""
    head = redacted(1, "POST", "/", "", [
        ("host", "127.0.0.1:8080"), ("content-type", "application/json"),
        ("x-tc-action", action), ("x-tc-version", "2019-03-04"),
        ("x-tc-region", "ap-guangzhou"), ("authorization", AUTH)],
        json.dumps(params).encode())
    body = json.dumps({"Response": {"RequestId": "req-1", **answer}}).encode()
    return Recorded(head.seq, head.method, head.path, head.query, head.headers, head.body,
                    status, (("content-type", "application/json"),), body)


def error(code: str) -> dict[str, Any]:
    """An API 3.0 error answer."""
    return {"Error": {"Code": code, "Message": "m"}}


def test_a_valid_request_and_a_documented_answer_pass(judge: Judge) -> None:
    judged = judge.judge(v3("CreateQueue", {"QueueName": "q1"}, {"QueueId": "queue-1"}))
    assert (judged.api, judged.action, judged.state) == ("cmq.v3", "CreateQueue", "pass")
    assert "cmq.v3.CreateQueue.response.QueueId" in judged.clause_ids


def test_a_missing_parameter_is_the_clients_breach(judge: Judge) -> None:
    judged = judge.judge(v3("CreateQueue", {}, error("MissingParameter")))
    assert [(v.side, v.clause_id) for v in judged.violations] == [
        ("request", "cmq.v3.CreateQueue.QueueName.required")]
    assert judged.state == "fail" and judged.violations[0].source == "cmq-api.txt:3533"


def test_the_wrong_code_for_what_the_request_broke_is_the_servers(judge: Judge) -> None:
    judged = judge.judge(v3("CreateQueue", {}, error("ResourceNotFound")))
    sides = {(v.side, v.clause_id) for v in judged.violations}
    assert ("response", "cmq.v3.CreateQueue.QueueName.required") in sides


def test_unknown_parameters_rules_and_actions(judge: Judge) -> None:
    unknown = judge.judge(v3("CreateQueue", {"QueueName": "q1", "Colour": "red"},
                             error("UnknownParameter")))
    assert unknown.violations[0].clause_id == "cmq.v3.condition.unknown_parameter"
    rule = judge.judge(v3("CreateQueue", {"QueueName": "q1", "RewindSeconds": 100,
                                          "MsgRetentionSeconds": 60},
                          error("InvalidParameterValue")))
    assert "cmq.v3.CreateQueue.rule.rewind_within_retention" in {
        v.clause_id for v in rule.violations}
    nothing = judge.judge(v3("MakeCoffee", {}, error("InvalidAction")))
    assert nothing.action is None
    assert nothing.violations[0].clause_id == "cmq.v3.protocol.unknown_action"


def test_answer_members_types_and_undocumented_ones(judge: Judge) -> None:
    extra = judge.judge(v3("CreateQueue", {"QueueName": "q1"},
                           {"QueueId": "queue-1", "Colour": "red"}))
    assert [v.side for v in extra.violations] == ["response"]
    assert "Colour" in extra.violations[0].received
    wrong = judge.judge(v3("CreateQueue", {"QueueName": "q1"}, {"QueueId": 7}))
    assert [v.clause_id for v in wrong.violations] == ["cmq.v3.CreateQueue.response.QueueId"]
    undocumented = judge.judge(v3("CreateQueue", {"QueueName": "q1"}, error("NoSuchCode")))
    assert [v.clause_id for v in undocumented.violations] == ["cmq.v3.CreateQueue.errors"]


def test_a_server_error_status_is_a_violation(judge: Judge) -> None:
    judged = judge.judge(v3("CreateQueue", {"QueueName": "q1"}, {"QueueId": "q"}, status=503))
    assert judged.state == "fail" and judged.violations[0].side == "response"


def test_the_record_masks_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "literal-secret-value")
    from cmqconform.dialects.redaction import env_secrets

    tc3 = redacted(1, "POST", "/", "", [("authorization", AUTH), ("x-tc-token", "tok-123")],
                   b'{"QueueName": "literal-secret-value"}', secrets=env_secrets())
    legacy = redacted(2, "POST", "/v2/index.php", "Signature=abc%2Bdef&Action=ListQueue",
                      [("host", "h")], b"Action=ListQueue&Signature=zzz&Token=t0k&limit=5")
    huawei = redacted(3, "GET", "/v2/p/x", "limit=1", [
        ("X-Auth-Token", "huawei-token"),
        ("Authorization", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=ffee")], b"")
    text = json.dumps([r.to_json() for r in (tc3, legacy, huawei)])
    for secret in ("0123456789abcdef", "tok-123", "literal-secret-value", "abc%2Bdef", "zzz",
                   "t0k", "huawei-token", "ffee"):
        assert secret not in text, secret
    assert "Action=ListQueue" in text and "limit=5" in text  # parameters stay readable


def test_a_rest_route_under_another_method_is_the_clients_breach(judge: Judge) -> None:
    route = load_specs().api("roma.v2").action("ShowMqsInstanceMessages").http
    assert route is not None
    path = route.path.replace("{", "").replace("}", "")
    head = redacted(1, "DELETE", path, "", [("x-auth-token", "t")], b"")
    rec = Recorded(1, head.method, head.path, "", head.headers, b"", 400,
                   (("content-type", "application/json"),),
                   b'{"error_code": "400", "error_msg": "no"}')
    judged = judge.judge(rec)
    assert judged.api == "roma.v2" and judged.action is None
    # The 400 the surface documents for it: the client's violation only.
    assert [(v.side, v.clause_id) for v in judged.violations] == [
        ("request", "roma.v2.condition.unsupported_method")]
