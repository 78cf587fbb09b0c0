"""Which constraints of a parameter a value breaks: the one evaluator every stage asks.

The case generator (which kinds a probe breaks), the emulator (the first violation becomes its
answer), the fuzz read-back (what a generated body breaks once on the wire) and spec lint
(defaults and enum values fit their own parameter) all call :func:`violations`. Nothing here
knows a surface: what differs between surfaces is data of the :class:`~cmqconform.models.ParamSpec`
(``array_bases`` for the legacy ``name.n`` encoding) or is settled by the caller before the
value gets here (a form carries text, which the caller reads back into the spec's types).

Example: ``violations(visibility_timeout, 43201)`` (max 43200) is
``(Violation("range", "value or length is out of range 0..43200: 43201"),)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cmqconform.models import FORMATS, SCALARS, ParamSpec, TypeSpec, array_item


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken constraint: its kind and a message naming the value and the bound.

    ``kind`` is one of :data:`cmqconform.models.PARAM_CONSTRAINTS`, or ``unknown`` for a struct
    member its type does not declare. ``message`` reads after the parameter's name:
    ``VisibilityTimeout value or length is out of range 0..43200: 43201``.
    """

    kind: str
    message: str


def _scalar_ok(type_name: str, value: Any) -> bool:
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "string":
        return isinstance(value, str)
    if type_name in FORMATS:
        return isinstance(value, str) and re.match(FORMATS[type_name], value) is not None
    return isinstance(value, Mapping)  # a struct from types.yaml


def type_ok(type_name: str, value: Any) -> bool:
    """Whether ``value`` is a Python value of the spec type (``array<X>``, scalar or struct)."""
    item = array_item(type_name)
    if item is not None:
        return (isinstance(value, Sequence) and not isinstance(value, str | bytes)
                and all(_scalar_ok(item, v) for v in value))
    return _scalar_ok(type_name, value)


def violations(param: ParamSpec, value: Any, *,
               types: Mapping[str, TypeSpec] | None = None) -> tuple[Violation, ...]:
    """Every constraint of ``param`` that ``value`` breaks, in the order a server checks them.

    None is an absent value: it breaks ``required`` or nothing. Otherwise the order is
    ``array_encoding``, ``type``, ``range``, ``min_length``, ``max_length``, ``pattern``,
    ``enum``, ``max_items``, then each item's lengths and pattern in item order, then struct
    members. A value of the wrong type breaks ``type`` and nothing after it: ranges and lengths
    have no meaning for it. ``types`` (the surface's types.yaml) lets struct members be checked
    (unknown names, required members, member types); without it a struct is only a mapping.
    """
    if value is None:
        return (Violation("required", "is missing"),) if param.required else ()
    return tuple(_violations(param, value, types))


def _violations(param: ParamSpec, value: Any,
                types: Mapping[str, TypeSpec] | None) -> Iterator[Violation]:
    if param.array_bases is not None and isinstance(value, Mapping) and value:
        # name.x keys or holes in name.n: the items never read back as a list.
        bases = " or ".join(map(str, param.array_bases))
        yield Violation("array_encoding", f"is not sent as name.n from index {bases}")
    if not type_ok(param.type, value):
        yield Violation("type", f"must be of type {param.type}: {value!r}")
        return
    if isinstance(value, int | float) and not isinstance(value, bool) and (
            (param.min is not None and value < param.min)
            or (param.max is not None and value > param.max)):
        low = param.min if param.min is not None else "-inf"
        high = param.max if param.max is not None else "inf"
        yield Violation("range", f"value or length is out of range {low}..{high}: {value!r}")
    if isinstance(value, str):
        if param.min_length is not None and len(value) < param.min_length:
            yield Violation("min_length",
                            f"is shorter than {param.min_length} characters: {len(value)}")
        if param.max_length is not None and len(value) > param.max_length:
            yield Violation("max_length",
                            f"is longer than {param.max_length} characters: {len(value)}")
        if param.pattern is not None and not re.search(param.pattern, value):
            yield Violation("pattern",
                            f"does not match {param.pattern_name or param.pattern}: {value!r}")
    if param.enum is not None and value not in param.enum:
        yield Violation("enum", f"must be one of {', '.join(map(str, param.enum))}: {value!r}")
    if param.item_type is not None:
        yield from _items(param, value)
    if types is not None:
        yield from _members(param, value, types)


def _items(param: ParamSpec, items: Sequence[Any]) -> Iterator[Violation]:
    if param.max_items is not None and len(items) > param.max_items:
        yield Violation("max_items", f"has more than {param.max_items} items: {len(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        if param.item_min_length is not None and len(item) < param.item_min_length:
            yield Violation("item_min_length",
                            f"item {index} is shorter than {param.item_min_length} characters")
        if param.item_max_length is not None and len(item) > param.item_max_length:
            yield Violation("item_max_length",
                            f"item {index} is longer than {param.item_max_length} characters")
        if param.item_pattern is not None and not re.search(param.item_pattern, item):
            yield Violation("item_pattern", f"item {index} does not match: {item!r}")


def _members(param: ParamSpec, value: Any, types: Mapping[str, TypeSpec]) -> Iterator[Violation]:
    """Members of struct values (``Filters.N``): no unknown member, each of its type."""
    type_name = param.item_type or param.type
    if type_name in SCALARS or type_name not in types:
        return
    members = {m.name: m for m in types[type_name].fields}
    for item in value if param.item_type is not None else [value]:
        for name, member_value in item.items():
            member = members.get(name)
            if member is None:
                yield Violation("unknown", f"member {name} is not recognized")
            elif member_value is not None and not type_ok(member.type, member_value):
                yield Violation("type", f"member {name} must be of type {member.type}: "
                                        f"{member_value!r}")
        for name, member in members.items():
            if member.required and item.get(name) is None:
                yield Violation("type", f"member {name} is missing")
