"""Cross-parameter rules and the violation -> condition vocabulary, shared by suite and emulator."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cmqconform.models import ParamSpec, Rule

#: Which errors.yaml condition answers a violated constraint kind, unless a parameter overrides it.
DEFAULT_CONDITIONS: Mapping[str, str] = {
    "required": "missing_parameter",
    "type": "invalid_type",
    "range": "out_of_range",
    "min_length": "length_out_of_range",
    "max_length": "length_out_of_range",
    "pattern": "pattern_mismatch",
    "enum": "enum_mismatch",
    "max_items": "too_many_items",
    "item_min_length": "length_out_of_range",
    "item_max_length": "item_too_long",
    "item_pattern": "pattern_mismatch",
    "array_encoding": "array_not_contiguous",
    "rule": "rule_violation",
    "unknown": "unknown_parameter",
}

_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}

_MISSING = object()


def condition_for(param: ParamSpec, kind: str) -> str:
    """The condition name a violation of ``kind`` on ``param`` answers with."""
    return param.conditions.get(kind, DEFAULT_CONDITIONS[kind])


def rule_condition(rule: Rule) -> str:
    """The condition a violation of ``rule`` answers with."""
    return rule.condition or DEFAULT_CONDITIONS["rule"]


def rule_params(rule: Rule) -> Iterator[str]:
    """Every parameter name a rule mentions."""
    for predicate in (rule.when, rule.require):
        for key in ("present", "param", *_COMPARE):
            if key in predicate:
                yield str(predicate[key])


def _holds(predicate: Mapping[str, Any], lookup: Callable[[str], Any],
           given: Mapping[str, Any]) -> bool | None:
    """True/False, or None when a compared value is unknown (the rule cannot be judged)."""
    if "present" in predicate:
        return predicate["present"] in given
    value = lookup(predicate["param"])
    if "equals" in predicate:
        return value is not _MISSING and value == predicate["equals"]
    for key, compare in _COMPARE.items():
        if key in predicate:
            other = lookup(predicate[key])
            if value is _MISSING or other is _MISSING:
                return None
            try:
                return compare(value, other)
            except TypeError:
                return None
    raise ValueError(f"malformed predicate {dict(predicate)!r}")


def rule_holds(rule: Rule, given: Mapping[str, Any],
               fallback: Mapping[str, Any] | None = None) -> bool:
    """Whether ``rule`` holds for the parameters ``given``.

    ``present`` and ``when`` read only what was given. ``require`` comparisons may read
    ``fallback`` (the spec default, or the resource's current attribute) for a parameter that
    was not given.
    A comparison that cannot be judged counts as holding.
    """

    def given_only(name: str) -> Any:
        return given.get(name, _MISSING)

    def with_fallback(name: str) -> Any:
        if name in given:
            return given[name]
        if fallback is not None and name in fallback and fallback[name] is not None:
            return fallback[name]
        return _MISSING

    if not _holds(rule.when, given_only, given):
        return True
    return _holds(rule.require, with_fallback, given) is not False
