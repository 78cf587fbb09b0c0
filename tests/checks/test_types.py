"""strict_json_types: a member is exactly the JSON type the doc states (1.0 is no Integer)."""

from __future__ import annotations

from typing import Any

import pytest

from cmqconform.checks import CheckContext, run_checks
from cmqconform.checks.types import json_type, scalar_fits
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case, Exchange, Expected
from tests.surfaces import LEGACY, V3

ONLY = ("strict_json_types",)


def _judge(api_id: str, action: str, data: dict[str, Any]) -> list[str]:
    api = load_specs().api(api_id)
    ctx = CheckContext(api, api.action(action))
    case = Case(f"{action}[baseline]", api_id, action, "valid", {}, Expected.ok(), (), "baseline")
    return [f.message for f in run_checks(ctx, case, Exchange(True, "r", data), ONLY)]


def _queue(**over: Any) -> dict[str, Any]:
    return {"TotalCount": 1, "RequestId": "r", "QueueSet": [{
        "QueueId": "q", "QueueName": "n", "VisibilityTimeout": 30, "Trace": False, **over}]}


@pytest.mark.parametrize(("type_name", "value", "fits"), [
    ("integer", 1, True), ("integer", 1.0, False), ("integer", True, False),
    ("integer", "1", False), ("float", 1, True), ("float", 1.5, True), ("float", False, False),
    ("boolean", True, True), ("boolean", 1, False), ("boolean", "true", False),
    ("string", "x", True), ("string", 1, False), ("timestamp", "2020-01-01 00:00:00", True),
])
def test_scalar_tokens(type_name: str, value: object, fits: bool) -> None:
    """A JSON token fits a doc type exactly: no 1.0 for Integer, no 1 for Boolean."""
    assert scalar_fits(type_name, value) is fits


def test_json_type_names_the_token() -> None:
    """1 is an integer, 1.0 a number, True a boolean."""
    assert [json_type(v) for v in (1, 1.0, True, None, "s", [], {})] == [
        "integer", "number", "boolean", "null", "string", "array", "object"]


def test_exact_types_pass() -> None:
    """A listing whose members are the documented tokens passes."""
    assert _judge(V3, "DescribeQueueDetail", _queue()) == []


def test_an_integer_as_float_fails_naming_the_member_clause() -> None:
    """VisibilityTimeout 30.0 inside QueueSet fails, naming the QueueSet clause and path."""
    found = _judge(V3, "DescribeQueueDetail", _queue(VisibilityTimeout=30.0))
    assert len(found) == 1
    assert "QueueSet/0/VisibilityTimeout" in found[0]
    assert "cmq.v3.DescribeQueueDetail.response.QueueSet" in found[0]
    assert "received number 30.0" in found[0]


def test_a_top_level_float_and_a_string_boolean_fail() -> None:
    """A top-level TotalCount 1.0 and a boolean "false" each fail."""
    assert _judge(V3, "DescribeQueueDetail", {**_queue(), "TotalCount": 1.0})
    assert _judge(V3, "DescribeQueueDetail", _queue(Trace="false"))


def test_null_only_where_the_doc_says() -> None:
    """A nullable member may be null; a non-nullable one may not."""
    assert _judge(V3, "DescribeQueueDetail", _queue(VisibilityTimeout=None)) == []
    assert _judge(V3, "DescribeQueueDetail", _queue(QueueId=None))


def test_legacy_members_too() -> None:
    """Legacy answers are held to the same tokens (visibilityTimeout 30.0 fails)."""
    base = {"code": 0, "message": "", "requestId": "r", "visibilityTimeout": 30}
    assert _judge(LEGACY, "GetQueueAttributes", base) == []
    assert _judge(LEGACY, "GetQueueAttributes", {**base, "visibilityTimeout": 30.0})
