"""validate(): the first violated spec constraint becomes a Fault naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from cmqconform.emulator import Fault, validate
from cmqconform.models import ActionSpec, Cite, ParamSpec, Rule
from cmqconform.spec import load_specs
from tests.surfaces import V3

SRC = Cite("cmq-api.txt", 1)


def _action(*params: ParamSpec, rules: tuple[Rule, ...] = ()) -> ActionSpec:
    return ActionSpec(api=V3, name="Demo", source=SRC, summary="", request=params, response=(),
                      rules=rules, errors=(), error_tables=(), clauses=())


def _param(name: str, type_: str = "integer", **kw: Any) -> ParamSpec:
    return ParamSpec(name=name, type=type_, required=kw.pop("required", False), source=SRC,
                     wire_name=name, **kw)


def _fault(action: ActionSpec, params: dict[str, Any], **kw: Any) -> Fault:
    with pytest.raises(Fault) as info:
        validate(action, params, **kw)
    return info.value


def test_create_queue_spec_range_names_parameter() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    fault = _fault(action, {"QueueName": "q1", "VisibilityTimeout": 43201})
    assert fault.condition == "out_of_range"
    assert fault.param == "VisibilityTimeout"
    assert "VisibilityTimeout" in fault.message
    validate(action, {"QueueName": "q1", "VisibilityTimeout": 43200})


def test_create_queue_required_and_pattern() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    assert _fault(action, {}).condition == "missing_parameter"
    assert _fault(action, {"QueueName": "1abc"}).condition == "pattern_mismatch"
    assert _fault(action, {"QueueName": "a" * 65}).condition == "length_out_of_range"


def test_create_queue_rules_use_defaults_then_fallback() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    fault = _fault(action, {"QueueName": "q", "Policy": 1})
    assert fault.condition == "rule_violation"
    # RewindSeconds 400000 exceeds the default retention (345600) ...
    assert _fault(action, {"QueueName": "q", "RewindSeconds": 400000}).condition == \
        "rule_violation"
    # ... but not a queue whose current retention is larger (keys matched ignoring case).
    validate(action, {"QueueName": "q", "RewindSeconds": 400000},
             fallback={"msgRetentionSeconds": 1296000})


def test_legacy_queue_name_override_condition() -> None:
    action = load_specs().api("cmq.legacy").action("CreateQueue")
    assert _fault(action, {"queueName": "-bad"}).condition == "queue_name_format"


def test_each_kind_and_order() -> None:
    action = _action(
        _param("A", required=True, min=1, max=5),
        _param("S", "string", min_length=2, max_length=3, enum=("ab", "abc", "abcd")),
        _param("T", "array<string>", max_items=2, item_max_length=2, item_pattern="^[a-z]+$"),
    )
    assert _fault(action, {"S": "ab"}).condition == "missing_parameter"
    assert _fault(action, {"A": "1"}).condition == "invalid_type"
    assert _fault(action, {"A": 6}).condition == "out_of_range"
    assert _fault(action, {"A": 1, "S": "a"}).condition == "length_out_of_range"
    assert _fault(action, {"A": 1, "S": "abcd"}).condition == "length_out_of_range"
    assert _fault(action, {"A": 1, "S": "zz"}).condition == "enum_mismatch"
    assert _fault(action, {"A": 1, "T": ["a", "b", "c"]}).condition == "too_many_items"
    assert _fault(action, {"A": 1, "T": ["abc"]}).condition == "item_too_long"
    assert _fault(action, {"A": 1, "T": ["A"]}).condition == "pattern_mismatch"
    # The first parameter in spec order is reported.
    assert _fault(action, {"A": 9, "S": "z"}).param == "A"
    validate(action, {"A": 1, "S": "abc", "T": ["a", "bb"]})


def test_rule_comparison_and_override() -> None:
    lt = Rule(id="lt", when={"present": "X"}, require={"param": "X", "lt": "Y"}, source=SRC,
              text="X < Y")
    action = _action(_param("X"), _param("Y", default=10), rules=(lt,))
    fault = _fault(action, {"X": 10})
    assert fault.condition == "rule_violation" and "X < Y" in fault.message
    validate(action, {"X": 9})
    validate(action, {"X": 10, "Y": 11})
    override = _action(_param("B", "boolean", conditions={"type": "custom"}))
    assert _fault(override, {"B": 1}).condition == "custom"
