"""What a generated body means once it is on the wire, and which constraints it breaks.

schemathesis generates JSON values; the dialects carry some of them losslessly (API 3.0 JSON)
and some not (legacy forms carry text only: ``5`` and ``"5"`` are the same ``delaySeconds=5``,
an empty list is no parameter at all). Judging "invalid input must be refused" on the generated
value would blame a server for accepting what it could not tell apart, so each body is first
read back the way the wire shows it (:func:`wire_view`) and only then judged by the spec's own
evaluator (:func:`cmqconform.spec.constraints.violations`). Where the wire is ambiguous the
reading is lenient: the example counts as valid and no refusal is demanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmqconform.dialects.call import BOOL_TEXT_DOC, array_base_for, flatten
from cmqconform.models import ActionSpec, ApiSpec, ParamSpec, array_item
from cmqconform.spec.constraints import violations as param_violations
from cmqconform.spec.rules import condition_for

# ASCII digits only: a form's integer is what the doc's examples write, not any Unicode digit.
_INT_TEXT = re.compile(r"^[+-]?[0-9]+$", re.ASCII)
_BOOL_TEXT = {"true": True, "false": False}

class Ambiguous(Exception):
    """The wire form of a body cannot be read back unambiguously (the example is not judged)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One constraint a body breaks: the parameter (None: the body itself), kind and condition."""

    param: str | None
    kind: str
    condition: str
    clause: str
    detail: str


def _read_json(value: Any, type_name: str, api: ApiSpec) -> Any:
    """A JSON value as the doc's types read it.

    JSON null reads as "not sent" (the official SDKs leave None-valued members out), only for
    members the type knows: an unknown name stays unknown whatever its value. JSON has one
    number type: ``5.0`` where an integer belongs may be read as ``5`` (JSON Schema's reading),
    so it is not judged a wrong type.
    """
    item = array_item(type_name)
    if item is not None and isinstance(value, list):
        return [_read_json(v, item, api) for v in value]
    if type_name in api.types and isinstance(value, Mapping):
        members = {m.name: m.type for m in api.types[type_name].fields}
        return {k: _read_json(v, members[k], api) if k in members else v
                for k, v in value.items() if v is not None or k not in members}
    if type_name == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _insert(tree: dict[str, Any], key: str, value: str) -> None:
    node = tree
    steps = key.split(".")
    if not all(steps):
        raise Ambiguous(f"{key!r} has an empty name segment")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Ambiguous(f"{key} is not UTF-8 text") from None
    for step in steps[:-1]:
        child = node.setdefault(step, {})
        if not isinstance(child, dict):
            raise Ambiguous(f"{key} repeats a scalar parameter as a nested one")
        node = child
    if steps[-1] in node:
        raise Ambiguous(f"{key} is sent twice")
    node[steps[-1]] = value


def _read(node: Any, type_name: str, api: ApiSpec, bases: tuple[int, ...]) -> Any:
    """A flat node as the doc's types read it; what does not read stays as sent."""
    item = array_item(type_name)
    if item is not None:
        if not isinstance(node, dict) or not all(k.isascii() and k.isdigit() for k in node):
            return node
        indices = sorted(int(k) for k in node)
        if indices[0] not in bases or indices != list(range(indices[0],
                                                            indices[0] + len(indices))):
            return node
        return [_read(node[str(i)], item, api, (0,)) for i in indices]
    if type_name in api.types:
        if not isinstance(node, dict):
            return node
        members = {m.name: m.type for m in api.types[type_name].fields}
        return {k: _read(v, members[k], api, (0,)) if k in members else v
                for k, v in node.items()}
    if not isinstance(node, str):
        return node
    if type_name == "integer" and _INT_TEXT.match(node):
        return int(node)
    if type_name == "boolean" and node.lower() in _BOOL_TEXT:
        return _BOOL_TEXT[node.lower()]
    return node


def wire_view(api: ApiSpec, action: ActionSpec, params: Mapping[str, Any],
              common: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The parameters as a server reads them off the wire; Ambiguous when it cannot tell.

    ``common`` names the surface's common parameters (``Action``, ``Nonce``...): a generated
    parameter of that name would collide with the dialect's own.
    """
    by_wire = {p.wire_name: p for p in action.request}
    if api.facts.array_encoding != "name.n":
        # An unknown name stays unknown whatever its value, null included.
        return {k: _read_json(v, by_wire[k].type, api) if k in by_wire else v
                for k, v in params.items() if v is not None or k not in by_wire}
    tree: dict[str, Any] = {}
    for name, value in params.items():
        if name in common or (name not in by_wire and "." in name):
            raise Ambiguous(f"parameter name {name!r} collides with the form encoding")
        base = array_base_for(action, name, None)
        for key, text in flatten(name, value, base=base, bool_text=BOOL_TEXT_DOC):
            _insert(tree, key, text)
    view: dict[str, Any] = {}
    for name, node in tree.items():
        spec = by_wire.get(name)
        view[name] = _read(node, spec.type, api, spec.array_bases or (0,)) if spec else node
    return view


def _violation(api: ApiSpec, action: ActionSpec, param: ParamSpec | None, kind: str,
               detail: str) -> Violation:
    if param is None:
        condition = "unknown_parameter" if kind == "unknown" else "invalid_type"
        return Violation(None, kind, condition, f"{api.id}.condition.{condition}", detail)
    carried = kind if kind in param.constraints else "type"
    return Violation(param.name, kind, condition_for(param, kind),
                     f"{api.id}.{action.name}.{param.name}.{carried}", detail)


def violations(api: ApiSpec, action: ActionSpec, view: Mapping[str, Any]) -> list[Violation]:
    """Every constraint ``view`` breaks, one per parameter and kind, parameters in spec order.

    A struct member no type declares is an unknown parameter, as an unknown top-level name is.
    """
    by_wire = {p.wire_name: p for p in action.request}
    found: dict[tuple[str | None, str], Violation] = {}

    def add(param: ParamSpec | None, kind: str, detail: str) -> None:
        found.setdefault((param.name if param else detail, kind),
                         _violation(api, action, param, kind, detail))

    for param in action.request:
        if view.get(param.wire_name) is None:
            for broken in param_violations(param, None):
                add(param, broken.kind, f"{param.wire_name} missing")
    for name in view:
        if name not in by_wire:
            add(None, "unknown", f"unknown parameter {name!r}")
    for param in action.request:
        value = view.get(param.wire_name)
        if value is None:
            continue
        for broken in param_violations(param, value, types=api.types):
            detail = f"{param.wire_name} {broken.message[:200]}"
            add(None if broken.kind == "unknown" else param, broken.kind, detail)
    return list(found.values())
