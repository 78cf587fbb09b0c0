"""JSON Schemas derived from the specs: what a success response must look like."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.models import FORMATS, ActionSpec, ApiSpec, Cite, FieldSpec

_SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "float": {"type": "number"},
    **{name: {"type": "string", "pattern": shape} for name, shape in FORMATS.items()},
}


def type_schema(api: ApiSpec, type_name: str, *, strict: bool = True) -> dict[str, Any]:
    """Schema of a value of ``type_name`` (scalar, ``array<X>`` or a struct of ``api``)."""
    if type_name in _SCALAR_SCHEMAS:
        return dict(_SCALAR_SCHEMAS[type_name])
    if type_name.startswith("array<"):
        return {"type": "array", "items": type_schema(api, type_name[6:-1], strict=strict)}
    return object_schema(api, api.types[type_name].fields, strict=strict,
                         title=type_name)


def field_schema(api: ApiSpec, member: FieldSpec, *, strict: bool = True) -> dict[str, Any]:
    """Schema of one member, admitting null when the doc says it may return null."""
    schema = type_schema(api, member.type, strict=strict)
    if member.nullable:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def object_schema(api: ApiSpec, members: tuple[FieldSpec, ...], *, strict: bool = True,
                  title: str | None = None) -> dict[str, Any]:
    """Schema of an object with ``members``; ``strict`` forbids undocumented members."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {m.name: field_schema(api, m, strict=strict) for m in members},
        "required": [m.name for m in members if m.required],
    }
    if title:
        schema["title"] = title
    if strict:
        schema["additionalProperties"] = False
    return schema


def response_schema(api: ApiSpec, action: ActionSpec, *, strict: bool = True) -> dict[str, Any]:
    """Schema of a success response body.

    API 3.0: the object inside ``{"Response": ...}``. Legacy: the whole body (its response
    members include ``code``, ``message`` and ``requestId``).
    """
    schema = object_schema(api, action.response, strict=strict, title=f"{action.name} response")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def push_body_schema(api: ApiSpec, push: Mapping[str, Any], *,
                     strict: bool = True) -> dict[str, Any]:
    """Schema of a JSON-format HTTP push body, from push.yaml ``formats.JSON.fields``."""
    members = tuple(
        FieldSpec(f["name"], f["type"], f["nullable"], Cite.parse(f["source"]),
                  required=f.get("required", True))
        for f in push["formats"]["JSON"].get("fields", ())
    )
    schema = object_schema(api, members, strict=strict, title="push JSON body")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
