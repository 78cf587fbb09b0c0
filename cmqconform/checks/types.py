"""Strict JSON types on every success response member (``strict_json_types``).

JSON Schema's ``integer`` accepts ``1.0`` and its ``number`` accepts ``true`` in some readers;
the doc's types are stricter: an Integer member is a JSON integer token (a Python ``int`` after
decoding, never a ``float`` nor a ``bool``), a Boolean a JSON ``true``/``false``, a String a
JSON string, and ``null`` only where the doc says the member may be null.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cmqconform.checks import CheckContext, check
from cmqconform.models import FORMATS, ApiSpec, FieldSpec, array_item
from cmqconform.verdicts import Case, Exchange, Failure

#: The JSON token each scalar type must be, as the decoded Python type (bool is not an int).
_TOKENS: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "boolean": (bool,), "float": (int, float),
    **{name: (str,) for name in FORMATS},
}


def json_type(value: Any) -> str:
    """The JSON token type of a decoded value: ``integer`` for 1, ``number`` for 1.0."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def scalar_fits(type_name: str, value: Any) -> bool:
    """Whether ``value`` is exactly the JSON token ``type_name`` asks for."""
    tokens = _TOKENS[type_name]
    if isinstance(value, bool):
        return bool in tokens
    return isinstance(value, tokens)


def type_breaches(api: ApiSpec, members: tuple[FieldSpec, ...], data: Mapping[str, Any],
                  path: str = "") -> Iterator[tuple[str, FieldSpec, Any]]:
    """(path, member, value) of every member whose JSON token is not the documented type."""
    for member in members:
        if member.name not in data:
            continue  # absence is the schema check's
        yield from _value_breaches(api, member, member.type, data[member.name],
                                   f"{path}{member.name}")


def _value_breaches(api: ApiSpec, member: FieldSpec, type_name: str, value: Any,
                    path: str) -> Iterator[tuple[str, FieldSpec, Any]]:
    if value is None:
        if not member.nullable:
            yield path, member, value
        return
    item = array_item(type_name)
    if item is not None:
        if not isinstance(value, list):
            yield path, member, value
            return
        for index, element in enumerate(value):
            yield from _value_breaches(api, member, item, element, f"{path}/{index}")
        return
    if type_name in _TOKENS:
        if not scalar_fits(type_name, value):
            yield path, member, value
        return
    struct = api.types.get(type_name)
    if struct is None or not isinstance(value, Mapping):
        if struct is not None:
            yield path, member, value
        return
    yield from type_breaches(api, struct.fields, value, f"{path}/")


@check
def strict_json_types(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Every member of a success answer is exactly the JSON type the doc states (1.0 is not an
    Integer, "1" not a Boolean, null only where the doc says null)."""
    if not exchange.ok or ctx.action is None or case.common.get("Action"):
        return None
    for path, member, value in type_breaches(ctx.api, ctx.action.response, exchange.data):
        top = path.split("/", 1)[0]
        clause = f"{case.api}.{case.action}.response.{top}"
        expected = f"{member.type}{' or null' if member.nullable else ''}"
        return Failure("Wrong JSON type",
                       f"{path}: expected a JSON {expected} ({clause}, {member.source}); "
                       f"received {json_type(value)} {value!r}", (clause,))
    return None
