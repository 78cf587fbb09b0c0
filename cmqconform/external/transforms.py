"""The transformations an external deviation applies: pure functions on a decoded answer's JSON
members, on a request's parameters, or on an answer's headers.

A *path* names members of a JSON object: ``a.b`` descends into objects, ``a[]`` into every element
of a list (``msgInfoList[].enqueueTime``), an empty path is the object itself. Each operation
returns how many places it changed, so the proxy can tell a deviation that never applied (its
tests never reached it) from one the suite let through.
"""

from __future__ import annotations

import base64
import copy
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

#: The answer operations and the parameters each requires (beside ``path``).
RESPONSE_OPS: dict[str, tuple[str, ...]] = {
    "retype": ("to",), "drop": (), "rename": ("to",), "shift": ("by",), "scale": ("by",),
    "text": ("how",), "set": ("value",), "copy": ("from",), "reverse": (), "drop-item": (),
    "duplicate-item": (), "constant": ("value",), "wrap": ("key",), "header": ("name", "value"),
}
#: The request operations (on a parameter named ``param``) and the parameters each requires.
REQUEST_OPS: dict[str, tuple[str, ...]] = {
    "param-drop": (), "param-set": ("value",), "param-text": ("how",),
}
#: JSON types ``retype`` converts to.
RETYPES = ("float", "string", "null", "integer", "boolean-string", "joined-string")
#: String rewrites ``text`` and ``param-text`` apply.
TEXTS = ("strip", "rstrip", "upper", "lower", "base64", "suffix", "trailing-space")


def split_path(path: str) -> list[str]:
    """``a.b[].c`` as steps ``["a", "b", "[]", "c"]`` (an empty path: no step)."""
    steps: list[str] = []
    for part in path.split(".") if path else ():
        if part.endswith("[]"):
            steps += [part[:-2], "[]"]
        else:
            steps.append(part)
    return steps


def _parents(node: Any, steps: list[str]) -> Iterator[tuple[Any, str]]:
    """Every (container, last step) the path reaches; the last step is a member name."""
    if not steps:
        return
    head, rest = steps[0], steps[1:]
    if head == "[]":
        if isinstance(node, list):
            for item in node:
                yield from _parents(item, rest)
        return
    if not isinstance(node, dict):
        return
    if not rest:
        yield node, head
    elif head in node:
        yield from _parents(node[head], rest)


def text(value: str, how: str, extra: str = "") -> str:
    """``value`` rewritten by ``how`` (one of :data:`TEXTS`)."""
    if how == "strip":
        return value.strip()
    if how == "rstrip":
        return value.rstrip()
    if how == "upper":
        return value.upper()
    if how == "lower":
        return value.lower()
    if how == "base64":
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    if how == "suffix":
        return value + (extra or "x")
    if how == "trailing-space":
        return value + " "
    raise ValueError(f"unknown text rewrite {how!r}")


def retype(value: Any, to: str) -> Any:
    """``value`` in another JSON type, the same number or text where it can be."""
    if to == "float":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else value
    if to == "string":
        return value if isinstance(value, str) else (
            ("true" if value else "false") if isinstance(value, bool) else str(value))
    if to == "null":
        return None
    if to == "integer":
        if isinstance(value, str):
            # A stable number for a textual id: digits as they are, others by checksum.
            return int(value) if value.isdigit() else zlib.crc32(value.encode("utf-8"))
        return int(value) if isinstance(value, (int, float)) else value
    if to == "boolean-string":
        return ("true" if value else "false") if isinstance(value, bool) else value
    if to == "joined-string":
        return ",".join(str(v) for v in value) if isinstance(value, list) else value
    raise ValueError(f"unknown type {to!r}")


def apply_response(doc: dict[str, Any], op: str, params: Mapping[str, Any]) -> int:
    """Apply one answer operation to ``doc`` (the members object) in place; places changed."""
    steps = split_path(str(params.get("path", "")))
    if op == "wrap":
        inner = copy.deepcopy(doc)
        doc.clear()
        doc[str(params["key"])] = inner
        return 1
    changed = 0
    for parent, key in list(_parents(doc, steps)):
        if key not in parent and op != "set":
            continue  # only ``set`` adds a member the answer lacks (an Error on a success)
        value = parent.get(key)
        if op == "retype":
            new = retype(value, str(params["to"]))
            if new is value or (new == value and type(new) is type(value)):
                continue
            parent[key] = new
        elif op == "drop":
            del parent[key]
        elif op == "rename":
            parent[str(params["to"])] = parent.pop(key)
        elif op in ("shift", "scale"):
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            parent[key] = value + int(params["by"]) if op == "shift" else value * int(params["by"])
        elif op == "text":
            if not isinstance(value, str):
                continue
            parent[key] = text(value, str(params["how"]), str(params.get("value", "")))
        elif op in ("set", "constant"):
            parent[key] = copy.deepcopy(params["value"])
        elif op == "copy":
            source = parent.get(str(params["from"]))
            if source is None or source == value:
                continue
            parent[key] = source
        elif op in ("reverse", "drop-item", "duplicate-item"):
            if not isinstance(value, list) or len(value) < (2 if op == "reverse" else 1):
                continue
            if op == "reverse":
                if value == value[::-1]:
                    continue
                parent[key] = value[::-1]
            elif op == "drop-item":
                parent[key] = value[:-1]
            else:
                parent[key] = [*value, copy.deepcopy(value[0])]
        changed += 1
    return changed


def apply_request(pairs: list[tuple[str, str]], op: str, params: Mapping[str, Any]
                  ) -> list[tuple[str, str]] | None:
    """Parameter pairs after one request operation (``param`` is a name, or a prefix ending in
    ``.*`` for an array's items); None when no pair matched."""
    name = str(params["param"])
    matches: Callable[[str], bool] = (
        (lambda k: k == name[:-2] or k.startswith(name[:-1])) if name.endswith(".*")
        else (lambda k: k == name))
    if not any(matches(k) for k, _ in pairs):
        return None
    if op == "param-drop":
        return [(k, v) for k, v in pairs if not matches(k)]
    if op == "param-set":
        return [(k, str(params["value"]) if matches(k) else v) for k, v in pairs]
    if op == "param-text":
        return [(k, text(v, str(params["how"])) if matches(k) else v) for k, v in pairs]
    raise ValueError(f"unknown request operation {op!r}")


def apply_json_request(body: dict[str, Any], op: str, params: Mapping[str, Any]) -> bool:
    """A JSON request body after one request operation, in place; whether a member matched."""
    name = str(params["param"]).removesuffix(".*")
    if name not in body:
        return False
    if op == "param-drop":
        del body[name]
    elif op == "param-set":
        body[name] = params["value"]
    elif op == "param-text":
        value = body[name]
        body[name] = [text(v, str(params["how"])) if isinstance(v, str) else v for v in value] \
            if isinstance(value, list) else (text(value, str(params["how"]))
                                             if isinstance(value, str) else value)
    else:
        raise ValueError(f"unknown request operation {op!r}")
    return True


#: Keys of a TC3 ``Authorization`` header value.
_AUTH_PART = re.compile(r"(\w+)=([^,\s]+)")


def parse_tc3_authorization(value: str) -> dict[str, str]:
    """``Credential``, ``SignedHeaders`` and ``Signature`` of a TC3 Authorization header."""
    return dict(_AUTH_PART.findall(value))
