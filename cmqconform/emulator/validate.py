"""Validate request parameters against an ActionSpec: the first violation becomes a Fault.

Nothing here knows a range, a code or a name rule: which constraints a value breaks comes from
:func:`cmqconform.spec.constraints.violations`, and the condition the first one answers with
from :func:`cmqconform.spec.rules.condition_for`. The mutants of the validation family misread
the parameter's constraints (:func:`_as_mutated`) before it is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.models import ActionSpec, ParamSpec, TypeSpec
from cmqconform.spec.constraints import violations
from cmqconform.spec.rules import condition_for, rule_condition, rule_holds, rule_params


def _as_mutated(param: ParamSpec, mutants: Mutants) -> ParamSpec:
    """The parameter as the active mutant misreads its constraints (itself when none is)."""
    changes: dict[str, Any] = {}
    if param.min is not None and mutants.active("range-min-exclusive"):
        changes["min"] = param.min + 1
    if param.max is not None and (mutants.active("range-max-unchecked") or (
            mutants.active("limit-max-capped") and param.name.lower() == "limit")):
        changes["max"] = None
    if param.max_length is not None and mutants.active("max-length-off-by-one"):
        changes["max_length"] = param.max_length + 1
    if param.pattern is not None and mutants.active("name-pattern-unchecked"):
        changes["pattern"] = None
    elif param.pattern is not None and mutants.active("name-pattern-prefix-only"):
        changes["pattern"] = param.pattern.rstrip("$")
    elif param.pattern is not None and mutants.active("name-leading-digit-accepted"):
        # The first-character part read as optional digits, then the pattern as documented.
        changes["pattern"] = "^[0-9]?" + param.pattern.removeprefix("^")
    if param.enum is not None and mutants.active("enum-unchecked"):
        changes["enum"] = None
    if param.max_items is not None and mutants.active("batch-max-items-unchecked"):
        changes["max_items"] = None
    return replace(param, **changes) if changes else param


def _first_fault(param: ParamSpec, value: Any, types: Mapping[str, TypeSpec] | None,
                 mutants: Mutants) -> Fault | None:
    found = violations(_as_mutated(param, mutants), value, types=types)
    if param.type == "integer" and mutants.active("integer-type-unchecked"):
        found = tuple(v for v in found if v.kind != "type")
    if not found:
        return None
    first = found[0]
    return Fault(condition_for(param, first.kind), f"parameter {param.name} {first.message}",
                 param.name)


def _fallback_for(action: ActionSpec,
                  fallback: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fallback values keyed by the action's parameter names, matched case-insensitively."""
    if fallback is None:
        return {p.name: p.default for p in action.request if p.default is not None}
    lowered = {key.lower(): value for key, value in fallback.items()}
    return {p.name: lowered[p.name.lower()] for p in action.request
            if p.name.lower() in lowered}


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
    """
    for param in action.request:
        if mutants.active("required-unchecked"):
            break
        missing = params.get(param.name) is None
        fault = _first_fault(param, None, types, mutants) if missing else None
        if fault is not None:
            raise fault
    for param in action.request:
        value = params.get(param.name)
        fault = _first_fault(param, value, types, mutants) if value is not None else None
        if fault is not None:
            raise fault
    given = {name: value for name, value in params.items() if value is not None}
    known = _fallback_for(action, fallback)
    for rule in action.rules:
        if not rule_holds(rule, given, known):
            names = ", ".join(dict.fromkeys(rule_params(rule)))
            text = rule.text or rule.id
            raise Fault(rule_condition(rule), f"parameters {names} break rule: {text}",
                        next(iter(rule_params(rule)), None))

