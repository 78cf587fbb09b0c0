"""Request decoding: which dialect a request speaks, and its parameters in spec types.

Three dialects reach the emulator (see CLIENT-WIRE-NOTES.md): ``tc3`` (API 3.0, JSON POST with
``X-TC-*`` headers), ``tcv1`` (API 3.0, HmacSHA1/256 in a GET query or form POST, nested values
flattened ``Filters.0.Name``) and ``cmq_legacy`` (the 2017 API, ``name.n`` arrays based at 0 or 1).
Flat values arrive as strings; :func:`decode_params` turns them into the types the action spec
names, and leaves anything unconvertible as the string so validation reports ``invalid_type``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

from cmqconform.emulator.faults import Fault
from cmqconform.models import ActionSpec, FieldSpec, TypeSpec, array_item

TC3 = "tc3"
TCV1 = "tcv1"
CMQ_LEGACY = "cmq_legacy"

#: What the official SDKs send besides the common parameters of service.yaml
#: (CLIENT-WIRE-NOTES.md): accepted, never reported as unknown.
SDK_EXTRAS: Mapping[str, frozenset[str]] = {
    TC3: frozenset(),
    TCV1: frozenset({"RequestClient"}),
    CMQ_LEGACY: frozenset({"UserpollingWaitSeconds", "clientRequestId"}),
}

_INT = re.compile(r"^[+-]?[0-9]+$")  # ASCII only: int() would also take "٣"
_FLOAT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One HTTP request as received, with its dialect and its undecoded parameters."""

    dialect: str
    method: str
    path: str
    #: The Host header exactly as received (signatures are checked against it).
    host: str
    #: Header names lower-cased; values as sent.
    headers: Mapping[str, str]
    query: str
    body: bytes = field(repr=False)
    #: tcv1/legacy: the decoded ``k=v`` pairs (query for GET, form body for POST).
    flat: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: tc3: the JSON body.
    payload: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def action(self) -> str | None:
        """The action name, from the ``X-TC-Action`` header or the ``Action`` parameter."""
        if self.dialect == TC3:
            return self.headers.get("x-tc-action")
        return self.flat.get("Action")

    def common(self, name: str) -> str | None:
        """A common parameter (``Version``, ``Region``, ``Timestamp``...) in any dialect."""
        if self.dialect == TC3:
            return self.headers.get(f"x-tc-{name.lower()}")
        return self.flat.get(name)


def parse_flat(text: str) -> dict[str, str]:
    """``k=v&...`` decoded; the last of repeated keys wins, blank values are kept."""
    return dict(parse_qsl(text, keep_blank_values=True))


def detect_dialect(path: str, headers: Mapping[str, str], flat: Mapping[str, str],
                   legacy_paths: frozenset[str]) -> str:
    """TC3 has an ``X-TC-Action`` header or a TC3 Authorization; v1 a ``Version``; else legacy.

    The legacy path always means legacy: ``/v2/index.php`` serves no API 3.0 request.
    """
    if path in legacy_paths:
        return CMQ_LEGACY
    if "x-tc-action" in headers or headers.get("authorization", "").startswith("TC3-"):
        return TC3
    if "Version" in flat:
        return TCV1
    return CMQ_LEGACY


def read_request(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
                 legacy_paths: frozenset[str], *, parse_json: bool = True) -> WireRequest:
    """Decode the parameters of a request and detect its dialect.

    ``headers`` must have lower-case names. POST bodies of the flat dialects are read as a form
    whatever the Content-Type: the legacy Python SDK sends none. Without ``parse_json`` a TC3
    JSON body is left unread (:func:`with_payload` reads it once the signature, which covers
    the raw bytes, was verified).
    """
    host = headers.get("host", "")
    tc3 = "x-tc-action" in headers or headers.get("authorization", "").startswith("TC3-")
    if tc3 and path not in legacy_paths:
        return WireRequest(TC3, method, path, host, headers, query, body,
                           flat=parse_flat(query),
                           payload=_json_object(body) if parse_json else {})
    try:
        text = body.decode("utf-8") if method == "POST" else query
    except UnicodeDecodeError:
        raise Fault("invalid_type", "the request body is not UTF-8", None) from None
    flat = parse_flat(text)
    if method == "POST" and query:
        # A POST may still carry parameters in its URL; the body wins on a clash.
        flat = {**parse_flat(query), **flat}
    dialect = detect_dialect(path, headers, flat, legacy_paths)
    return WireRequest(dialect, method, path, host, headers, query, body, flat=flat)


def with_payload(request: WireRequest) -> WireRequest:
    """``request`` with its TC3 JSON body read (bounded: :data:`MAX_JSON_DEPTH`, the
    interpreter's integer digit limit); Fault ``invalid_type`` when it cannot be read."""
    if request.dialect != TC3:
        return request
    return replace(request, payload=_json_object(request.body))


#: The deepest JSON body read: no documented request nests more than a few levels, and a
#: deeper one is refused before the parser recurses into it.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_NESTING = re.compile(rb"[\[\]{}]")


def _too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` opens more than ``limit`` arrays or objects at once (strings aside)."""
    depth = 0
    for bracket in _JSON_NESTING.findall(_JSON_STRING.sub(b'""', body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    if _too_deep(body):
        raise Fault("invalid_type", f"the request body nests deeper than {MAX_JSON_DEPTH} "
                    "levels", None)
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        # ValueError: malformed JSON, or an integer past the interpreter's digit limit.
        raise Fault("invalid_type", f"the request body is not valid JSON: {exc}", None) from None
    except RecursionError:
        raise Fault("invalid_type", "the request body nests deeper than it can be read",
                    None) from None
    if not isinstance(doc, dict):
        raise Fault("invalid_type", "the request body must be a JSON object", None)
    return doc


# -- typed parameters ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decoded:
    """An action's parameters in spec types, and the names no spec parameter claims."""

    params: dict[str, Any]
    unknown: tuple[str, ...]


def decode_params(request: WireRequest, action: ActionSpec, types: Mapping[str, TypeSpec],
                  envelope: frozenset[str] = frozenset()) -> Decoded:
    """The action's parameters, keyed by spec name, converted to the spec's types.

    ``envelope`` names the common parameters that are not the action's. tc3 values pass
    through as JSON typed them. Flat values are unflattened (``Name.N``,
    ``Name.N.Field``) and converted; array indices must be contiguous from an accepted base
    (legacy: the parameter's ``array.bases``; v1: 0), else ``array_not_contiguous``.
    """
    by_wire = {p.wire_name: p for p in action.request}
    params: dict[str, Any] = {}
    unknown: list[str] = []
    if request.dialect == TC3 and request.method == "POST":
        for key, value in request.payload.items():
            spec = by_wire.get(key)
            if spec is None:
                unknown.append(key)
            else:
                params[spec.name] = value
        return Decoded(params, tuple(unknown))
    tree: dict[str, Any] = {}
    envelope = envelope | SDK_EXTRAS[request.dialect]
    for key, value in request.flat.items():
        head, _, rest = key.partition(".")
        if head not in by_wire:
            if key not in envelope:
                unknown.append(key)
            continue
        _insert(tree, [head, *rest.split(".")] if rest else [head], value, key)
    for wire, node in tree.items():
        spec = by_wire[wire]
        bases = spec.array_bases or (0,)
        params[spec.name] = _convert(node, spec.type, types, wire, bases, unknown)
    return Decoded(params, tuple(unknown))


def _insert(tree: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node = tree
    for step in path[:-1]:
        child = node.get(step)
        if not isinstance(child, dict):
            # A scalar and a nested value under one name: the nested form wins.
            child = node[step] = {}
        node = child
    if not isinstance(node.get(path[-1]), dict):
        node[path[-1]] = value


def _convert(node: Any, type_name: str, types: Mapping[str, TypeSpec], where: str,
             bases: tuple[int, ...], unknown: list[str]) -> Any:
    item = array_item(type_name)
    if item is not None:
        if not isinstance(node, dict):
            return node  # a scalar where a list belongs: validation says invalid_type
        return [_convert(child, item, types, f"{where}.{index}", (0,), unknown)
                for index, child in _indexed(node, where, bases)]
    if type_name in types:
        if not isinstance(node, dict):
            return node
        members = {f.name: f for f in types[type_name].fields}
        out: dict[str, Any] = {}
        for name, child in node.items():
            member = members.get(name)
            if member is None:
                unknown.append(f"{where}.{name}")
                continue
            out[name] = _convert(child, member.type, types, f"{where}.{name}", (0,), unknown)
        return out
    if isinstance(node, dict):
        return node
    return scalar(node, type_name)


def _indexed(node: Mapping[str, Any], where: str,
             bases: tuple[int, ...]) -> list[tuple[int, Any]]:
    if not all(_INT.match(k) for k in node):
        bad = next(k for k in node if not _INT.match(k))
        raise Fault("array_not_contiguous", f"{where}.{bad}: array index is not a number", where)
    indexed = sorted((int(k), v) for k, v in node.items())
    first = indexed[0][0]
    numbers = [i for i, _ in indexed]
    if first not in bases or numbers != list(range(first, first + len(numbers))):
        raise Fault("array_not_contiguous",
                    f"{where}.n indices {numbers} are not contiguous from "
                    f"{' or '.join(map(str, bases))}", where)
    return indexed


def scalar(value: str, type_name: str) -> Any:
    """A flat string as ``integer`` or ``boolean`` when it reads as one; else unchanged."""
    if type_name == "integer" and _INT.match(value):
        return int(value)
    if type_name == "float" and _FLOAT.match(value):
        return float(value)
    if type_name == "boolean" and value.lower() in _BOOLS:
        return _BOOLS[value.lower()]
    return value


# -- responses -----------------------------------------------------------------------------------
_ABSENT = object()


def shape(data: Mapping[str, Any], fields: Sequence[FieldSpec],
          types: Mapping[str, TypeSpec]) -> dict[str, Any]:
    """Project ``data`` onto the spec's members, in spec order and spelling.

    Keys of ``data`` are matched exactly, then case-insensitively, so the state's lowerCamel
    records serve both surfaces. A member missing from ``data`` is null, or left out when the
    spec marks it ``required: false``. Nested structs and arrays of structs are shaped by their
    types.yaml entry.
    """
    folded = {key.lower(): value for key, value in data.items()}
    out: dict[str, Any] = {}
    for member in fields:
        value = data.get(member.name, _ABSENT)
        if value is _ABSENT:
            value = folded.get(member.name.lower(), _ABSENT)
        if value is _ABSENT:
            if not member.required:
                continue
            value = None
        out[member.name] = _shape_value(value, member.type, types)
    return out


def _shape_value(value: Any, type_name: str, types: Mapping[str, TypeSpec]) -> Any:
    item = array_item(type_name)
    if item is not None and isinstance(value, list | tuple):
        return [_shape_value(v, item, types) for v in value]
    if type_name in types and isinstance(value, Mapping):
        return shape(value, types[type_name].fields, types)
    if type_name == "boolean" and value in (0, 1) and not isinstance(value, bool):
        return bool(value)  # a flag the state keeps as the 0/1 a request sent (Transaction)
    return value
