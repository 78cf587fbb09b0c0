"""The checks registry and the built-in checks."""

from __future__ import annotations

import pytest

from cmqconform.cases import generate
from cmqconform.checks import CHECKS, CheckContext, Registry, run_checks
from cmqconform.runner import judge
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case, Evidence, Exchange
from tests.surfaces import V3


def _case(label: str) -> Case:
    return next(c for c in generate(load_specs(), [V3]) if c.id == f"CreateQueue[{label}]")


def _ctx() -> CheckContext:
    api = load_specs().api(V3)
    return CheckContext(api, api.action("CreateQueue"))


def test_registry_refuses_duplicates() -> None:
    registry = Registry()

    def same(ctx: CheckContext, case: Case, exchange: Exchange) -> None:
        return None

    registry.register(same)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(same)


def test_builtin_checks_are_registered() -> None:
    run_checks(_ctx(), _case("baseline"), Exchange(True, "r", {"QueueId": "q", "RequestId": "r"}))
    assert {"request_id_present", "outcome_is_expected", "response_schema_conformance",
            "no_undocumented_field", "error_code_documented"} <= set(CHECKS.names())


def test_success_where_an_error_is_expected_fails_with_the_documented_message() -> None:
    case = _case("VisibilityTimeout=43201")
    verdict = judge(case, Exchange(True, "r", {"QueueId": "q", "RequestId": "r"}), _ctx())
    assert verdict.verdict == "fail"
    assert verdict.message.startswith("CreateQueue VisibilityTimeout=43201: expected Invalid")
    assert "cmq.v3.CreateQueue.VisibilityTimeout.range" in verdict.message
    assert "cmq-api.txt:" in verdict.message and verdict.message.endswith("received success")


def test_transport_trouble_is_an_error_not_a_fail() -> None:
    verdict = judge(_case("baseline"), Exchange(False, fault="transport: ReadTimeout"), _ctx())
    assert verdict.verdict == "error"


def test_schema_and_undocumented_fields() -> None:
    case = _case("baseline")
    wrong = judge(case, Exchange(True, "r", {"QueueId": 5, "RequestId": "r"}), _ctx())
    assert wrong.verdict == "fail" and "QueueId" in wrong.message
    extra = judge(case, Exchange(True, "r", {"QueueId": "q", "RequestId": "r", "X": 1}), _ctx())
    assert extra.verdict == "fail" and "X" in extra.message
    relaxed = CheckContext(_ctx().api, _ctx().action, strict=False)
    assert judge(case, Exchange(True, "r", {"QueueId": "q", "RequestId": "r", "X": 1}),
                 relaxed).verdict == "pass"


def test_undocumented_error_code_fails() -> None:
    case = _case("VisibilityTimeout=43201")
    verdict = judge(case, Exchange(False, "r", code="Bogus.Code", evidence=Evidence()), _ctx())
    assert verdict.verdict == "fail"
    assert any(f.title == "Undocumented error code" for f in verdict.failures)
