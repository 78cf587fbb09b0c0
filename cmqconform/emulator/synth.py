"""Success answers made from the specs alone: the doc's example output, else typed values.

The mock (:mod:`cmqconform.emulator.mock`) answers a valid request with what this module makes
of the action's response members: the first doc example whose output validates against the
response schema the suite checks (:func:`cmqconform.spec.schema.response_schema`), else values
synthesised deterministically from each member's type. Every value is the same on every call,
so two runs of the suite see the same answers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator

from cmqconform.models import FORMATS, SCALARS, ActionSpec, ApiSpec, FieldSpec, array_item
from cmqconform.spec.constraints import type_ok
from cmqconform.spec.schema import response_schema

#: Struct nesting beyond which an array is answered empty (types.yaml may be recursive).
MAX_DEPTH = 4
#: A sample of each formatted string scalar, matching :data:`cmqconform.models.FORMATS`.
FORMAT_SAMPLES = {"date": "2024-01-01", "timestamp": "2024-01-01 00:00:00"}


def scalar_value(type_name: str, name: str) -> Any:
    """A plain value of a scalar type; strings name their member (``mock-TaskId``)."""
    if type_name == "integer":
        return 1
    if type_name == "float":
        return 1.5
    if type_name == "boolean":
        return False
    if type_name in FORMATS:
        return FORMAT_SAMPLES[type_name]
    return f"mock-{name}"


def member_value(api: ApiSpec, member: FieldSpec, depth: int = 0) -> Any:
    """A value of one member's type; nested structs and arrays are filled in, bounded."""
    return type_value(api, member.type, member.name, depth, nullable=member.nullable)


def type_value(api: ApiSpec, type_name: str, name: str, depth: int = 0, *,
               nullable: bool = False) -> Any:
    """A value of ``type_name`` (scalar, ``array<X>`` or a struct of ``api``)."""
    item = array_item(type_name)
    if item is not None:
        if depth >= MAX_DEPTH:
            return []
        return [type_value(api, item, name, depth + 1)]
    struct = api.types.get(type_name)
    if struct is not None:
        if depth >= MAX_DEPTH and nullable:
            return None
        return members_value(api, struct.fields, depth + 1)
    return scalar_value(type_name, name)


def members_value(api: ApiSpec, members: Sequence[FieldSpec], depth: int = 0) -> dict[str, Any]:
    """An object with every member set (optional ones too: the answer shows the whole shape)."""
    return {m.name: member_value(api, m, depth) for m in members}


def example_output(api: ApiSpec, action: ActionSpec,
                   request_id: str = "RequestId") -> dict[str, Any] | None:
    """The first doc example output that validates against the response schema, or None."""
    validator = Draft202012Validator(response_schema(api, action))
    for example in action.examples:
        if not isinstance(example.output, Mapping):
            continue
        output = dict(example.output)
        inner = output.get(api.facts.envelope.get("wrapper", ""), output)
        if isinstance(inner, Mapping) and validator.is_valid(inner):
            return {k: v for k, v in copy.deepcopy(dict(inner)).items() if k != request_id}
    return None


def answer(api: ApiSpec, action: ActionSpec) -> dict[str, Any]:
    """The success answer of ``action`` without its request id: the doc's, else synthesised."""
    request_id = api.facts.envelope.get("request_id", "RequestId")
    found = example_output(api, action, request_id)
    if found is not None:
        return found
    return {m.name: member_value(api, m) for m in action.response if m.name != request_id}


def fits(api: ApiSpec, type_name: str, value: Any) -> bool:
    """Whether ``value`` is of the scalar ``type_name`` (so it may stand in an answer)."""
    return type_name in SCALARS and type_ok(type_name, value)


def overlay(api: ApiSpec, members: Sequence[FieldSpec], base: Mapping[str, Any],
            known: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with each scalar member replaced by the value ``known`` holds under its name
    (matched case-insensitively), when that value is of the member's type."""
    folded = {k.lower(): v for k, v in known.items()}
    out = dict(base)
    for member in members:
        value = folded.get(member.name.lower())
        if value is not None and fits(api, member.type, value):
            out[member.name] = value
    return out
