"""Validate request parameters against an ActionSpec: the first violation becomes a Fault.

Nothing here knows a range, a code or a name rule: every bound comes from the ActionSpec, and
the condition a violation answers with from :func:`cmqconform.spec.rules.condition_for`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.models import ActionSpec, ParamSpec, TypeSpec
from cmqconform.spec.rules import condition_for, rule_condition, rule_holds, rule_params


def _scalar_ok(type_name: str, value: Any, mutants: Mutants) -> bool:
    if type_name == "integer":
        if mutants.active("integer-type-unchecked"):
            return True
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "string":
        return isinstance(value, str)
    return isinstance(value, Mapping)  # a struct from types.yaml


def type_ok(type_name: str, value: Any, mutants: Mutants = NO_MUTANTS) -> bool:
    """Whether ``value`` is a Python value of the spec type (``array<X>``, scalar or struct)."""
    if type_name.startswith("array<"):
        item = type_name[len("array<"):-1]
        return (isinstance(value, Sequence) and not isinstance(value, str | bytes)
                and all(_scalar_ok(item, v, mutants) for v in value))
    return _scalar_ok(type_name, value, mutants)


def _fault(param: ParamSpec, kind: str, message: str) -> Fault:
    return Fault(condition_for(param, kind), f"parameter {param.name} {message}", param.name)


def _check_param(param: ParamSpec, value: Any, mutants: Mutants) -> None:
    if not type_ok(param.type, value, mutants):
        raise _fault(param, "type", f"must be of type {param.type}: {value!r}")
    too_low = param.min is not None and value < param.min
    if mutants.active("range-min-exclusive"):
        too_low = param.min is not None and value <= param.min
    too_high = param.max is not None and value > param.max
    if too_high and (mutants.active("range-max-unchecked") or (
            mutants.active("limit-max-capped") and param.name.lower() == "limit")):
        too_high = False
    if too_low or too_high:
        low = param.min if param.min is not None else "-inf"
        high = param.max if param.max is not None else "inf"
        raise _fault(param, "range", f"value or length is out of range {low}..{high}: {value!r}")
    if isinstance(value, str):
        if param.min_length is not None and len(value) < param.min_length:
            raise _fault(param, "min_length",
                         f"is shorter than {param.min_length} characters: {len(value)}")
        slack = 1 if mutants.active("max-length-off-by-one") else 0
        if param.max_length is not None and len(value) > param.max_length + slack:
            raise _fault(param, "max_length",
                         f"is longer than {param.max_length} characters: {len(value)}")
        if param.pattern is not None and not _pattern_ok(param.pattern, value, mutants):
            raise _fault(param, "pattern",
                         f"does not match {param.pattern_name or param.pattern}: {value!r}")
    if param.enum is not None and value not in param.enum \
            and not mutants.active("enum-unchecked"):
        allowed = ", ".join(map(str, param.enum))
        raise _fault(param, "enum", f"must be one of {allowed}: {value!r}")
    if param.item_type is not None:
        _check_items(param, value, mutants)


def _check_items(param: ParamSpec, items: Sequence[Any], mutants: Mutants) -> None:
    if param.max_items is not None and len(items) > param.max_items \
            and not mutants.active("batch-max-items-unchecked"):
        raise _fault(param, "max_items", f"has more than {param.max_items} items: {len(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        if param.item_min_length is not None and len(item) < param.item_min_length:
            raise _fault(param, "item_min_length",
                         f"item {index} is shorter than {param.item_min_length} characters")
        if param.item_max_length is not None and len(item) > param.item_max_length:
            raise _fault(param, "item_max_length",
                         f"item {index} is longer than {param.item_max_length} characters")
        if param.item_pattern is not None and not re.search(param.item_pattern, item):
            raise _fault(param, "item_pattern", f"item {index} does not match: {item!r}")


def _pattern_ok(pattern: str, value: str, mutants: Mutants) -> bool:
    if mutants.active("name-pattern-unchecked"):
        return True
    if mutants.active("name-pattern-prefix-only"):
        return re.match(pattern.rstrip("$"), value) is not None
    return re.search(pattern, value) is not None


def _fallback_for(action: ActionSpec,
                  fallback: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fallback values keyed by the action's parameter names, matched case-insensitively."""
    if fallback is None:
        return {p.name: p.default for p in action.request if p.default is not None}
    lowered = {key.lower(): value for key, value in fallback.items()}
    return {p.name: lowered[p.name.lower()] for p in action.request
            if p.name.lower() in lowered}


def _check_members(param: ParamSpec, value: Any, types: Mapping[str, TypeSpec],
                   mutants: Mutants) -> None:
    """Members of struct values (``Filters.N``): no unknown member, each of its type."""
    type_name = param.item_type or param.type
    if type_name not in types:
        return
    members = {m.name: m for m in types[type_name].fields}
    for item in value if param.item_type is not None else [value]:
        for name, member_value in item.items():
            member = members.get(name)
            if member is None:
                raise Fault("unknown_parameter",
                            f"the parameter {param.name}.{name} is not recognized", param.name)
            if member_value is not None and not type_ok(member.type, member_value, mutants):
                raise _fault(param, "type", f"member {name} must be of type {member.type}: "
                                            f"{member_value!r}")


def validate(action: ActionSpec, params: Mapping[str, Any], *,
             fallback: Mapping[str, Any] | None = None,
             types: Mapping[str, TypeSpec] | None = None,
             mutants: Mutants = NO_MUTANTS) -> None:
    """Raise Fault for the first violated constraint of ``params`` (keyed by spec param name).

    Order: every missing required parameter first, then each given parameter's type, range,
    lengths, pattern, enum and array limits in spec order, then the cross-parameter rules.
    ``fallback`` supplies values for parameters not given when a rule compares them (the
    resource's current attributes, keys matched case-insensitively); without it the spec
    defaults are used. ``types`` (the surface's types.yaml) lets struct members be checked.
    ``mutants`` are the deviations the emulator runs with.
    """
    for param in action.request:
        if mutants.active("required-unchecked"):
            break
        if param.required and params.get(param.name) is None:
            raise _fault(param, "required", "is missing")
    for param in action.request:
        value = params.get(param.name)
        if value is not None:
            _check_param(param, value, mutants)
            if types is not None:
                _check_members(param, value, types, mutants)
    given = {name: value for name, value in params.items() if value is not None}
    known = _fallback_for(action, fallback)
    for rule in action.rules:
        if not rule_holds(rule, given, known):
            names = ", ".join(dict.fromkeys(rule_params(rule)))
            text = rule.text or rule.id
            raise Fault(rule_condition(rule), f"parameters {names} break rule: {text}",
                        next(iter(rule_params(rule)), None))

