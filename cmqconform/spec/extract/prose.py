"""Constraints a member's description states in prose, each with the line that states it.

Tencent docs state limits in a handful of phrasings: "Value range: 1-43200", "Value range:
[32000, 128000]", "Valid values: 0 (LC-AAC), 1 (HE-AAC)", enumerations as "0: Enable, 1:
Disable", "Default value: 30", "20 will be used by default", "up to 64 characters", "cannot
exceed 5", "This API only supports: ap-beijing, ap-guangzhou". :func:`constraints` reads the ones
it recognises; a phrase it half-recognises ("Value range: 0-msgRetentionSeconds") is reported so
the caller can record a draft instead of dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cmqconform.spec.extract.doc import Line

_NUM = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_RANGES = (
    re.compile(r"\[\s*(?P<lo>-?\d+(?:\.\d+)?)\s*,\s*(?P<hi>-?\d+(?:\.\d+)?)\s*\]"),
    re.compile(rf"[Vv]alue range(?: is|:)?\s*(?P<lo>{_NUM})\s*(?:-|~|to)\s*(?P<hi>{_NUM})"),
    re.compile(rf"\bbetween (?P<lo>{_NUM}) and (?P<hi>{_NUM})\b"),
    re.compile(rf"cannot be (?:smaller|less) than (?P<lo>{_NUM}) or (?:larger|greater|more) "
               rf"than (?P<hi>{_NUM})"),
)
_HALF_RANGE = re.compile(r"[Vv]alue range(?: is|:)\s*(?P<rest>\S+)")
_MAX_VALUE = re.compile(rf"[Mm]aximum value(?: is|:)?\s*(?P<v>{_NUM})")
_MIN_VALUE = re.compile(rf"[Mm]inimum value(?: is|:)?\s*(?P<v>{_NUM})")
_TOKEN = r"(?<![\w/.-])[A-Za-z0-9_][A-Za-z0-9_./-]*"
_DEFAULTS = (
    re.compile(rf"[Dd]efault(?: value)?(?: is|:)\s*(?P<v>{_NUM}|{_TOKEN})"),
    re.compile(rf"[Dd]efault value is (?P<v>{_NUM}|{_TOKEN})"),
    re.compile(rf"(?P<v>{_NUM}|{_TOKEN})\s*(?:s|seconds)? (?:will be used )?by default"),
)
# The list ends at a full stop that does not number an item ("1. JSON, 2. SIMPLIFIED").
_VALID = re.compile(r"Valid values?(?: are|:)\s*(?P<list>.+?)(?:(?<!\s\d)\.(?:\s+[A-Z]|\s*$)|$)")
_NUMBERED_TOKEN = re.compile(r"(?:^|\s)\d+\.\s*(?P<v>[A-Za-z_][A-Za-z0-9_-]*)")
_QUOTED = re.compile(r"[\"`'](?P<v>[^\"`']+)[\"`']")
_CODED = re.compile(r"(?:^|[\s,;.(])(?P<v>-?\d+)\s*:\s")
_CODED_DEFAULT = re.compile(r"(?:^|[\s,;.(])(?P<v>-?\d+)\s*(?::[^,;:]*?)?\(default\)")
_LENGTH = re.compile(r"(?:up to|at most|no more than|cannot exceed|not exceeding|maximum length "
                     r"(?:is|of)|(?P<below>shorter than))\s*(?P<v>\d{1,3}(?:,\d{3})+|\d+)\s*"
                     r"(?:characters|chars)\b")
_ITEMS = re.compile(r"(?:[Nn]umber of\s*\w+?\s*cannot exceed\s*|[Uu]p to|[Aa]t most|"
                    r"[Aa] maximum of|no more than)\s*(?P<v>\d+)"
                    r"(?!\s*(?:characters|chars|bytes|seconds|ms|%))")
_ITEM_LENGTH = re.compile(r"each \w+ (?:can contain|cannot exceed|can be) up to (?P<v>\d+) "
                          r"characters")
_REGIONS = re.compile(r"This API only supports:\s*(?P<list>[a-z0-9 ,-]+)")
_NULLABLE = re.compile(r"may return null", re.IGNORECASE)


@dataclass(slots=True)
class Stated:
    """What a description states: constraint kind -> value, and kind -> doc line."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    doubts: list[tuple[int, str]] = field(default_factory=list)


class Located:
    """A description joined from wrapped lines, which can say on which line an offset is."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.text = ""
        self._starts: list[tuple[int, int]] = []
        for line in lines:
            part = line.stripped
            if not part:
                continue
            if self.text.endswith("-") and re.match(r"^[a-z0-9]", part):
                self._starts.append((len(self.text), line.number))
                self.text += part
            else:
                if self.text:
                    self.text += " "
                self._starts.append((len(self.text), line.number))
                self.text += part

    def line_at(self, offset: int) -> int:
        """The doc line of the character at ``offset``."""
        number = self._starts[0][1] if self._starts else 0
        for start, line in self._starts:
            if start > offset:
                break
            number = line
        return number


def _number(text: str, type_name: str) -> int | float | None:
    value = text.replace(",", "")
    try:
        number = float(value)
    except ValueError:
        return None
    if type_name == "integer":
        return int(number) if number.is_integer() else None
    return int(number) if number.is_integer() and "." not in value else number


def _typed(text: str, type_name: str) -> Any:
    if type_name in ("integer", "float"):
        return _number(text, type_name)
    if type_name == "boolean":
        return {"true": True, "false": False}.get(text.lower())
    return text.rstrip(".,;")


def constraints(located: Located, type_name: str, item_type: str | None) -> Stated:
    """The constraints ``located`` states for a member of spec type ``type_name``."""
    text, out = located.text, Stated()

    def put(kind: str, value: Any, offset: int) -> None:
        if value is not None and kind not in out.values:
            out.values[kind] = value
            out.lines[kind] = located.line_at(offset)

    numeric = type_name in ("integer", "float")
    if numeric:
        for pattern in _RANGES:
            match = pattern.search(text)
            if match:
                lo, hi = _number(match["lo"], type_name), _number(match["hi"], type_name)
                if lo is not None and hi is not None and lo <= hi:
                    put("min", lo, match.start())
                    put("max", hi, match.start())
                    break
        else:
            half = _HALF_RANGE.search(text)
            if half:
                out.doubts.append((located.line_at(half.start()),
                                   f"a value range it cannot read: {half.group(0)!r}"))
        for kind, pattern in (("max", _MAX_VALUE), ("min", _MIN_VALUE)):
            match = pattern.search(text)
            if match:
                put(kind, _number(match["v"], type_name), match.start())
    valid = _VALID.search(text)
    if valid and item_type is None:
        items = _enum_items(valid["list"], type_name)
        if items:
            put("enum", items, valid.start())
    if "enum" not in out.values and type_name == "integer":
        coded = [int(m["v"]) for m in _CODED.finditer(text)]
        if len(coded) >= 2 and len(set(coded)) == len(coded):
            put("enum", coded, next(_CODED.finditer(text)).start("v"))
    if type_name == "integer":
        marked = _CODED_DEFAULT.search(text)
        if marked:
            put("default", int(marked["v"]), marked.start("v"))
    if item_type is None and type_name in ("integer", "float", "string", "boolean"):
        for pattern in _DEFAULTS:
            match = pattern.search(text)
            if match:
                value = _typed(match["v"], type_name)
                if value is not None and value != "":
                    put("default", value, match.start())
                    break
    if type_name == "string":
        match = _LENGTH.search(text)
        if match:
            limit = int(match["v"].replace(",", ""))
            put("max_length", limit - 1 if match["below"] else limit, match.start())
    if item_type is not None:
        match = _ITEMS.search(text)
        if match:
            put("max_items", int(match["v"]), match.start())
        match = _ITEM_LENGTH.search(text)
        if match and item_type == "string":
            put("item_max_length", int(match["v"]), match.start())
    return out


def _enum_items(listed: str, type_name: str) -> list[Any]:
    listed = re.sub(r"\([^)]*\)", " ", listed)
    if type_name in ("integer", "float"):
        values = [_number(v, type_name) for v in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])",
                                                             listed)]
        return list(dict.fromkeys(v for v in values if v is not None))
    if type_name != "string":
        return []
    numbered = [m["v"] for m in _NUMBERED_TOKEN.finditer(listed)]
    if numbered:
        return list(dict.fromkeys(numbered))
    quoted = [m["v"] for m in _QUOTED.finditer(listed)]
    if quoted:
        return list(dict.fromkeys(quoted))
    words = [w.strip() for w in re.split(r",|\bor\b", listed)]
    if words and all(re.fullmatch(r"[A-Za-z0-9_-]+", w) for w in words if w):
        return list(dict.fromkeys(w for w in words if w))
    return []


def regions(located: Located) -> tuple[list[str], int] | None:
    """The regions of "This API only supports: ..." and the line saying it, if stated."""
    match = _REGIONS.search(located.text)
    if match is None:
        return None
    listed = re.sub(r"-\s+", "-", match["list"])
    found = [r.strip() for r in listed.split(",") if re.fullmatch(r"\s*[a-z]+(-[a-z]+)+(-\d+)?\s*",
                                                                  r)]
    return (found, located.line_at(match.start())) if found else None


def nullable(text: str) -> bool:
    """Whether a response member's description says it may return null."""
    return _NULLABLE.search(text) is not None
