"""Parameter values from the specs: typical, boundary and constraint-breaking ones.

Every number here comes from a :class:`~cmqconform.models.ParamSpec`; nothing is hard-coded but
the shape of a value that is plainly of the wrong type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmqconform.cases.resources import Namer
from cmqconform.models import FORMATS, NUMERIC, ApiSpec, ParamSpec, Ref, array_item
from cmqconform.spec.constraints import violations

WRONG_TYPE_TEXT = "not-a-number"
#: An ordinary value of each formatted string scalar (``date``, ``timestamp``).
FORMAT_SAMPLES = {"date": "2024-01-01", "timestamp": "2024-01-01 00:00:00"}
#: How deep :func:`struct_value` fills nested structs.
STRUCT_DEPTH = 4
#: The run id of the names that stand in for placeholders when a probe is judged.
STAND_IN_RUN = "000000"


@dataclass(frozen=True, slots=True)
class Probe:
    """One value to try for a parameter: the constraint it exercises and whether it is valid."""

    value: Any
    kind: str
    valid: bool
    note: str = ""


def _item(param: ParamSpec, length: int | None = None) -> str:
    size = length if length is not None else max(min(param.item_max_length or 4, 4),
                                                  param.item_min_length or 0)
    return ("tag" + "a" * size)[:size] if size else ""


def typical(api: ApiSpec, param: ParamSpec, *, creates: str | None = None) -> Any:
    """A valid, ordinary value for ``param`` (a resource placeholder for name parameters)."""
    kind = param.resource
    if kind is not None:
        ref = Ref(kind, fresh=is_created_name(param, creates))
        return [ref] if param.item_type is not None else ref
    if param.enum:
        return param.default if param.default in param.enum else param.enum[0]
    if param.default is not None:
        return param.default
    item = param.item_type
    if item is not None:
        if item == "string":
            return [_item(param)]
        return [struct_value(api, item)] if item in api.types else []
    if param.type in NUMERIC:
        if param.min is not None and param.max is not None:
            middle = (param.min + param.max) / 2
            return int(middle) if param.type == "integer" else middle
        return param.min if param.min is not None else (param.max if param.max is not None
                                                        and param.max < 1 else 1)
    if param.type == "boolean":
        return True
    if param.type in FORMATS:
        return FORMAT_SAMPLES[param.type]
    if param.type in api.types:
        return struct_value(api, param.type)
    size = min(param.max_length or 8, 8)
    return ("value" + "x" * size)[: max(size, param.min_length or 1)]


def is_created_name(param: ParamSpec, creates: str | None) -> bool:
    """Whether ``param`` is the name of the resource the action creates (``QueueName``...)."""
    return creates is not None and param.name.lower() == f"{creates}name"


def struct_value(api: ApiSpec, type_name: str, depth: int = 0) -> dict[str, Any]:
    """A struct with its required members set to plain values of their types (nested structs
    filled in the same way, to a bounded depth: types.yaml may be recursive)."""
    out: dict[str, Any] = {}
    for member in api.types[type_name].fields:
        if not member.required:
            continue
        item = array_item(member.type)
        value = _member_value(api, item or member.type, depth)
        if value is not None:
            out[member.name] = [value] if item is not None else value
    return out


def _member_value(api: ApiSpec, type_name: str, depth: int) -> Any:
    if type_name in NUMERIC:
        return 1
    if type_name in FORMATS:
        return FORMAT_SAMPLES[type_name]
    if type_name == "boolean":
        return True
    if type_name in api.types:
        return struct_value(api, type_name, depth + 1) if depth < STRUCT_DEPTH else None
    return "value"


#: Characters tried, in order, to find which part of a pattern a value breaks.
_PROBE_CHARS = "0-_!. @/"
#: The longest name a pattern's length part is searched up to.
_PATTERN_LENGTH_CAP = 4096


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def pattern_parts(pattern: str, sample: str) -> dict[str, tuple[str, str]]:
    """Which parts of ``pattern`` a probe can break, derived from the pattern itself:
    ``first character`` -> (head, ""), a character allowed inside but not first;
    ``character set`` -> ("", tail), one allowed nowhere; ``length`` -> ("", str(limit + 1)),
    the first length the pattern refuses (``sample`` is a valid value)."""
    parts: dict[str, tuple[str, str]] = {}
    if not sample or not _matches(pattern, sample):
        return parts
    for char in _PROBE_CHARS:
        inside = _matches(pattern, sample[:1] + char + sample[1:])
        if "first character" not in parts and inside and not _matches(pattern, char + sample):
            parts["first character"] = (char, "")
        if "character set" not in parts and not inside and not _matches(pattern, sample + char):
            parts["character set"] = ("", char)
    pad = sample[-1]
    if not _matches(pattern, sample + pad * _PATTERN_LENGTH_CAP):
        low, high = len(sample), len(sample) + _PATTERN_LENGTH_CAP
        while high - low > 1:  # the longest padded sample still valid lies in [low, high)
            middle = (low + high) // 2
            if _matches(pattern, sample + pad * (middle - len(sample))):
                low = middle
            else:
                high = middle
        parts["length"] = ("", str(high))
    return parts


def _pattern_probes(api: ApiSpec, param: ParamSpec, creates: str | None) -> Iterator[Probe]:
    """One probe per part of the pattern the doc states (first character, character set,
    length), each derived from the pattern; a pattern none can be found in gets a value
    breaking it as a whole."""
    assert param.pattern is not None
    kind = param.resource
    sample = stand_in(Ref(kind)) if kind else typical(api, param, creates=creates)
    parts = pattern_parts(param.pattern, sample) if isinstance(sample, str) else {}
    for part, (head, tail) in parts.items():
        if part == "length":
            if param.max_length is not None and int(tail) == param.max_length + 1:
                continue  # the max_length probe already sends exactly this length
            value: Any = Ref(kind, length=int(tail), fresh=True) if kind else "v" * int(tail)
        else:
            value = Ref(kind, head=head, tail=tail, fresh=True) if kind else head + sample + tail
        yield Probe(value, "pattern", False, f"pattern: {part}")
    if not parts:
        yield Probe(Ref(kind, tail="_!", fresh=True) if kind else "9-" + "x" * 3, "pattern",
                    False, "pattern-breaking")


def violated(param: ParamSpec, value: Any) -> list[str]:
    """The constraint kinds ``value`` breaks, each once, in the order a server checks them.

    A name placeholder stands for the name the run will send (:func:`stand_in`).
    """
    return list(dict.fromkeys(v.kind for v in violations(param, stand_in(value))))


def stand_in(value: Any) -> Any:
    """``value`` with each name placeholder replaced by a name of the shape the run sends."""
    if isinstance(value, Ref):
        return value.head + Namer(STAND_IN_RUN).name(value.length, value.tail)
    if isinstance(value, list):
        return [stand_in(v) for v in value]
    return value


def probes(api: ApiSpec, param: ParamSpec, *, creates: str | None = None) -> Iterator[Probe]:
    """Valid boundaries then constraint-breaking values for one parameter."""
    yield from _valid(api, param, creates)
    yield from _invalid(api, param, creates)


def _valid(api: ApiSpec, param: ParamSpec, creates: str | None) -> Iterator[Probe]:
    kind = param.resource
    if param.type in NUMERIC:
        if param.min is not None:
            yield Probe(param.min, "range", True, "min")
        if param.max is not None:
            yield Probe(param.max, "range", True, "max")
        if param.default is not None:
            yield Probe(param.default, "default", True, "default")
        for member in param.enum or ():
            yield Probe(member, "enum", True)
        yield Probe(typical(api, param, creates=creates), "type", True, "typical")
    elif param.type == "string":
        if param.max_length is not None:
            value: Any = (Ref(kind, length=param.max_length,
                               fresh=is_created_name(param, creates))
                          if kind else "v" * param.max_length)
            if kind is not None or param.pattern is None or re.search(param.pattern, value):
                yield Probe(value, "max_length", True, "max")
        for text in param.enum or ():
            yield Probe(text, "enum", True)
        if param.enum:
            yield Probe(param.enum[0], "type", True, "typical")
        if param.default is not None and not param.enum:
            yield Probe(param.default, "default", True, "default")
        if not param.enum:
            yield Probe(typical(api, param, creates=creates), "type", True, "typical")
    elif param.item_type is not None:
        # A full batch of real receipt handles would need as many messages: the valid
        # max_items probe of a resource-naming array is left to the behaviour suite.
        if param.max_items is not None and param.item_type == "string" and kind is None:
            yield Probe([_item(param) + str(i) for i in range(param.max_items)], "max_items",
                        True, "max")
        if param.item_min_length is not None:
            yield Probe([_item(param, param.item_min_length)], "item_min_length", True, "min")
        if param.item_max_length is not None:
            yield Probe([_item(param, param.item_max_length)], "item_max_length", True, "max")
        yield Probe(typical(api, param, creates=creates), "type", True, "typical")
    else:
        yield Probe(typical(api, param, creates=creates), "type", True, "typical")


def _invalid(api: ApiSpec, param: ParamSpec, creates: str | None) -> Iterator[Probe]:
    kind = param.resource
    # A form carrying text only: 12345 and "12345" are one value, so only an integer (which
    # must read as digits) can be sent with a wrong type.
    typed_wire = api.facts.wire_types == "json"
    if param.type in NUMERIC:
        if param.min is not None:
            yield Probe(param.min - 1, "range", False, "min-1")
        if param.max is not None:
            yield Probe(param.max + 1, "range", False, "max+1")
        if param.enum is not None:
            yield Probe(max(param.enum) + 1, "enum", False)
        yield Probe(WRONG_TYPE_TEXT, "type", False, "wrong type")
    elif param.type == "boolean":
        if typed_wire:
            yield Probe(WRONG_TYPE_TEXT, "type", False, "wrong type")
    elif param.type in FORMATS:
        yield Probe(WRONG_TYPE_TEXT, "type", False, "wrong format")
    elif param.type == "string":
        if param.max_length is not None:
            over = param.max_length + 1
            long: Any = Ref(kind, length=over, fresh=True) if kind else "v" * over
            yield Probe(long, "max_length", False, "over-length")
        if param.pattern is not None:
            yield from _pattern_probes(api, param, creates)
        if param.enum is not None:
            yield Probe("NOT-" + str(param.enum[0]), "enum", False)
        if param.min_length or param.pattern is not None:
            yield Probe("", "min_length" if param.min_length else "pattern", False, "empty")
        if typed_wire:
            yield Probe(12345, "type", False, "wrong type")
    elif param.item_type is not None:
        if param.max_items is not None and param.item_type == "string":
            yield Probe([_item(param) + str(i) for i in range(param.max_items + 1)],
                        "max_items", False, "one item too many")
        if param.item_min_length is not None:
            yield Probe([_item(param, param.item_min_length - 1)], "item_min_length", False,
                        "empty item" if param.item_min_length == 1 else "short item")
        if param.item_max_length is not None:
            yield Probe([_item(param, param.item_max_length + 1)], "item_max_length", False,
                        "over-long item")
        if typed_wire:
            yield Probe(WRONG_TYPE_TEXT, "type", False, "wrong type")
