"""The pure transformations of external deviations."""

from __future__ import annotations

from typing import Any

import pytest

from cmqconform.external.transforms import apply_json_request, apply_request, apply_response


def _doc() -> dict[str, Any]:
    return {"code": 0, "msgBody": "  hi  ", "total": 3, "flag": True,
            "items": [{"t": 1, "n": "a"}, {"t": 2, "n": "b"}]}


@pytest.mark.parametrize(("op", "params", "check"), [
    ("retype", {"path": "total", "to": "float"},
     lambda d: isinstance(d["total"], float) and d["total"] == 3),
    ("retype", {"path": "items[].t", "to": "string"}, lambda d: d["items"][1]["t"] == "2"),
    ("retype", {"path": "flag", "to": "boolean-string"}, lambda d: d["flag"] == "true"),
    ("retype", {"path": "total", "to": "null"}, lambda d: d["total"] is None),
    ("drop", {"path": "msgBody"}, lambda d: "msgBody" not in d),
    ("rename", {"path": "total", "to": "Total"}, lambda d: d["Total"] == 3),
    ("shift", {"path": "items[].t", "by": 10}, lambda d: [i["t"] for i in d["items"]] == [11, 12]),
    ("scale", {"path": "total", "by": 1000}, lambda d: d["total"] == 3000),
    ("text", {"path": "msgBody", "how": "rstrip"}, lambda d: d["msgBody"] == "  hi"),
    ("text", {"path": "items[].n", "how": "upper"}, lambda d: d["items"][0]["n"] == "A"),
    ("reverse", {"path": "items"}, lambda d: d["items"][0]["n"] == "b"),
    ("drop-item", {"path": "items"}, lambda d: len(d["items"]) == 1),
    ("duplicate-item", {"path": "items"}, lambda d: d["items"][2] == d["items"][0]),
    ("copy", {"path": "total", "from": "code"}, lambda d: d["total"] == 0),
    ("wrap", {"key": "Response"}, lambda d: d["Response"]["total"] == 3),
    ("set", {"path": "Error", "value": {"Code": "X"}}, lambda d: d["Error"] == {"Code": "X"}),
])
def test_response_ops_change_the_named_members(op: str, params: dict[str, Any],
                                               check: Any) -> None:
    """Each operation changes what its path names and reports that it did."""
    doc = _doc()
    assert apply_response(doc, op, params) >= 1
    assert check(doc), doc


def test_an_op_that_finds_nothing_to_change_says_so() -> None:
    """A missing member, an int already float-free, a one-item reverse: zero places."""
    doc = _doc()
    assert apply_response(doc, "drop", {"path": "absent"}) == 0
    assert apply_response(doc, "retype", {"path": "msgBody", "to": "string"}) == 0
    assert apply_response({"l": [1]}, "reverse", {"path": "l"}) == 0
    assert doc == _doc()


def test_request_ops_on_pairs_and_json() -> None:
    """Parameters dropped (an array by its prefix), set or rewritten; None when absent."""
    pairs = [("Action", "PublishMessage"), ("msgTag.0", "a"), ("msgTag.1", "b"), ("x", "q")]
    assert apply_request(pairs, "param-drop", {"param": "msgTag.*"}) == [
        ("Action", "PublishMessage"), ("x", "q")]
    assert apply_request(pairs, "param-text", {"param": "x", "how": "upper"})[-1] == ("x", "Q")
    assert apply_request(pairs, "param-set", {"param": "nope", "value": "1"}) is None
    body: dict[str, Any] = {"QueueName": "q1", "MaxMsgSize": 1024}
    assert apply_json_request(body, "param-text", {"param": "QueueName", "how": "upper"})
    assert apply_json_request(body, "param-drop", {"param": "MaxMsgSize"})
    assert body == {"QueueName": "Q1"}
    assert not apply_json_request(body, "param-drop", {"param": "Absent"})
