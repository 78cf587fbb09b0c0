"""The specs as an OpenAPI 3.1 document: one synthetic ``POST /<api>/<Action>`` per action.

CMQ is RPC over one URL (the action travels in ``X-TC-Action`` or ``Action=``), which OpenAPI,
keyed by path and method, cannot say. The synthetic paths give every action its own operation
so OpenAPI tools (schemathesis) can generate requests from it; a transport that knows the real
dialects (:mod:`cmqconform.fuzz`) rewrites each generated call onto the wire and signs it.

Request bodies are the action's parameters as JSON, named as they travel, with every constraint
the specs carry (type, range, lengths, pattern, enum, array limits, required). The one 200
response is the envelope: a success body from :func:`~cmqconform.spec.schema.response_schema`
or the surface's error envelope. OpenAPI 3.1 because its schemas are JSON Schema 2020-12, which
the response schemas already are (``anyOf`` with ``null`` for nullable members).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cmqconform.models import SCALARS, ActionSpec, ApiSpec, ParamSpec, SpecSet
from cmqconform.spec.schema import object_schema, response_schema, type_schema

OPENAPI_VERSION = "3.1.0"
#: Media type of the synthetic request bodies (the transport re-encodes them per dialect).
BODY_MEDIA_TYPE = "application/json"


def operation_path(api: str, action: str) -> str:
    """The synthetic path of an action: ``/<surface>/CreateQueue``."""
    return f"/{api}/{action}"


def parse_operation_path(path: str) -> tuple[str, str]:
    """``/tdmq.v3/SendMessages`` -> ``("tdmq.v3", "SendMessages")``; ValueError on anything else."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"not a synthetic CMQ operation path (/<api>/<Action>): {path!r}")
    return parts[0], parts[1]


def _request_type(api: ApiSpec, type_name: str) -> dict[str, Any]:
    """Schema of a request value of ``type_name``; request structs are closed objects."""
    if type_name in SCALARS:
        return type_schema(api, type_name)
    if type_name.startswith("array<"):
        return {"type": "array", "items": _request_type(api, type_name[6:-1])}
    members = api.types[type_name].fields
    return {
        "type": "object",
        "title": type_name,
        "properties": {m.name: _request_type(api, m.type) for m in members},
        "required": [m.name for m in members if m.required],
        "additionalProperties": False,
    }


def param_schema(api: ApiSpec, param: ParamSpec) -> dict[str, Any]:
    """JSON Schema of one request parameter, with every constraint its spec states."""
    schema = _request_type(api, param.type)
    keywords = {"minimum": param.min, "maximum": param.max, "minLength": param.min_length,
                "maxLength": param.max_length, "pattern": param.pattern,
                "maxItems": param.max_items, "default": param.default}
    schema.update({k: v for k, v in keywords.items() if v is not None})
    if param.enum is not None:
        schema["enum"] = list(param.enum)
    if param.item_type is not None:
        items = dict(schema["items"])
        if param.item_min_length is not None:
            items["minLength"] = param.item_min_length
        if param.item_max_length is not None:
            items["maxLength"] = param.item_max_length
        if param.item_pattern is not None:
            items["pattern"] = param.item_pattern
        schema["items"] = items
    text = f"{param.description} ({param.source})" if param.description else str(param.source)
    schema["description"] = text
    return schema


def request_schema(api: ApiSpec, action: ActionSpec) -> dict[str, Any]:
    """The request body of an action: its parameters by wire name; unknown names are refused."""
    return {
        "type": "object",
        "title": f"{action.name} request",
        "properties": {p.wire_name: param_schema(api, p) for p in action.request},
        "required": [p.wire_name for p in action.request if p.required],
        "additionalProperties": False,
    }


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    # OpenAPI Schema Objects inherit the document's dialect; a per-schema $schema is noise.
    return {k: v for k, v in schema.items() if k != "$schema"}


def error_envelope_schema(api: ApiSpec) -> dict[str, Any]:
    """The error answer of a surface, from its ``envelope`` fact (wrapped or flat)."""
    shape = api.facts.envelope
    request_id = {"type": "string", "minLength": 1}
    if "error" in shape:
        error = {"type": "object",
                 "properties": {shape["code"]: {"type": "string", "minLength": 1},
                                shape["message"]: {"type": "string"}},
                 "required": [shape["code"], shape["message"]]}
        return {"type": "object", "title": "error",
                "properties": {shape["error"]: error, shape["request_id"]: request_id},
                "required": [shape["error"], shape["request_id"]]}
    if "success_code" not in shape:
        # No envelope (REST): the error body holds the code and the message; the status says.
        return {"type": "object", "title": "error",
                "properties": {shape.get("code", "code"): {"type": ["string", "integer"]},
                               shape.get("message", "message"): {"type": "string"}},
                "required": [shape.get("code", "code"), shape.get("message", "message")]}
    return {
        "type": "object",
        "title": "error",
        "properties": {shape["code"]: {"type": "integer",
                                       "not": {"const": shape.get("success_code", 0)}},
                       shape["message"]: {"type": "string"},
                       shape["request_id"]: request_id},
        "required": [shape["code"], shape["message"], shape["request_id"]],
    }


def envelope_schema(api: ApiSpec, action: ActionSpec, *, strict: bool = True) -> dict[str, Any]:
    """The whole body of any answer to ``action``: its success or the error envelope."""
    shape = api.facts.envelope
    success = _plain(response_schema(api, action, strict=strict))
    error = error_envelope_schema(api)
    if "error" in shape:
        # A success carries no error member; only then must it match the members.
        success = {"allOf": [success, {"not": {"required": [shape["error"]]}}]}
        either = {"oneOf": [success, error]}
        if "wrapper" not in shape:
            return either
        return {"type": "object", "properties": {shape["wrapper"]: either},
                "required": [shape["wrapper"]]}
    # A flat envelope: the success members include the code, which is the success code
    # exactly when it is a success.
    success = {"allOf": [success, {"properties": {
        shape["code"]: {"const": shape.get("success_code", 0)}}}]}
    return {"oneOf": [success, error]}


def rest_operation(api: ApiSpec, action: ActionSpec, *, strict: bool = True) -> dict[str, Any]:
    """The OpenAPI operation of a REST action: its parameters where they travel, a response per
    documented status (the success members; the error body for each error code)."""
    assert action.http is not None
    error = object_schema(api, action.error_response, strict=False, title="error") \
        if action.error_response else error_envelope_schema(api)
    responses: dict[str, Any] = {str(action.http.status): {
        "description": "success",
        "content": {"application/json": {"schema": _plain(response_schema(api, action,
                                                                           strict=strict))}}}}
    for code in dict.fromkeys(ref.code for ref in action.errors):
        responses[str(code)] = {"description": "error",
                                "content": {"application/json": {"schema": error}}}
    return {
        "operationId": action.name,
        "summary": action.summary,
        "description": f"{action.summary} ({action.source}, {action.http.source})",
        "tags": [api.id],
        "parameters": [{"name": p.wire_name, "in": p.location or "query",
                        "required": p.required or p.location == "path",
                        "schema": param_schema(api, p)} for p in action.request],
        "responses": responses,
        "x-cmq-api": api.id,
        "x-cmq-action": action.name,
        "x-cmq-source": str(action.source),
    }


def operation(api: ApiSpec, action: ActionSpec, *, strict: bool = True) -> dict[str, Any]:
    """The OpenAPI operation object of one action."""
    op: dict[str, Any] = {
        "operationId": f"{api.id}.{action.name}",
        "summary": action.summary,
        "description": f"{action.summary} ({action.source})",
        "tags": [api.id],
        "requestBody": {"required": True, "content": {
            BODY_MEDIA_TYPE: {"schema": request_schema(api, action)}}},
        "responses": {"200": {
            "description": "Every answer, success or error, is HTTP 200 with the envelope.",
            "content": {"application/json": {"schema": envelope_schema(api, action,
                                                                        strict=strict)}}}},
        "x-cmq-api": api.id,
        "x-cmq-action": action.name,
        "x-cmq-source": str(action.source),
    }
    if action.host:
        op["x-cmq-host"] = action.host
    return op


def openapi_document(specs: SpecSet, apis: Iterable[str] | None = None, *,
                     strict: bool = True) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the given surfaces (default: all), one path per action."""
    names = tuple(apis) if apis is not None else tuple(specs.apis)
    paths: dict[str, Any] = {}
    for name in names:
        api = specs.api(name)
        for action_name, action in sorted(api.actions.items()):
            if action.http is not None:
                # A REST action has a real route: no synthetic path is needed.
                paths.setdefault(action.http.path, {})[action.http.method.lower()] = \
                    rest_operation(api, action, strict=strict)
                continue
            paths[operation_path(name, action_name)] = {"post": operation(api, action,
                                                                          strict=strict)}
    versions = ", ".join(f"{n} {specs.api(n).version}" for n in names)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{', '.join(names)} (synthetic RPC paths)",
            "version": versions,
            "description": "Generated from specs/ by cmqconform. Each path stands for one "
                           "action; the real wire format is the surface's dialect "
                           f"({', '.join(f'{n}: {specs.api(n).dialect}' for n in names)}).",
        },
        "tags": [{"name": n} for n in names],
        "paths": paths,
    }
