"""The abstract call every dialect encodes, and the wire helpers the dialects share.

A :class:`Call` names an action and its parameters the way the spec names them; each dialect
turns it into an ``httpx.Request``. Parameters the spec does not know are sent exactly as given,
so negative tests can send misspelt, unknown or pre-flattened names (``msgBody.7``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from cmqconform.models import ActionSpec

#: A clock returning UNIX seconds; injectable so known-answer tests can fix the timestamp.
Clock = Callable[[], float]
#: A nonce source returning a positive integer; injectable for the same reason.
NonceSource = Callable[[], int]

#: How booleans are written in query/form dialects. The doc says ``true``/``false``
#: (cmq-api.txt:1968); the official Python SDKs send ``str(bool)`` (CLIENT-WIRE-NOTES.md).
BOOL_TEXT_DOC = ("true", "false")
BOOL_TEXT_PYTHON = ("True", "False")


def system_clock() -> float:
    """The wall clock."""
    return time.time()


def random_nonce() -> int:
    """A random positive integer below 2**63, the range the official SDKs draw from."""
    return secrets.randbelow(2**63 - 1) + 1


@dataclass(frozen=True, slots=True)
class Call:
    """One abstract request: API surface, action and parameters named as the spec names them.

    ``common`` overrides (or, with ``None``, removes) a common parameter the dialect would add —
    ``{"Version": "2000-01-01"}``, ``{"Region": None}`` — for tests of the protocol itself; for
    tc3 it addresses the ``X-TC-<Name>`` header. ``array_base`` picks the legacy ``name.n``
    index base for this call. ``headers`` are extra headers, set after the dialect's own.
    """

    api: str
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)
    http_method: str = "POST"
    common: Mapping[str, str | None] = field(default_factory=dict)
    array_base: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.http_method not in ("GET", "POST"):
            raise ValueError(f"Call {self.action}: http_method must be GET or POST, "
                             f"got {self.http_method!r}")
        if self.array_base not in (None, 0, 1):
            raise ValueError(f"Call {self.action}: array_base must be 0 or 1, "
                             f"got {self.array_base!r}")


def wire_name(action: ActionSpec | None, name: str) -> str:
    """The name a parameter travels under: the spec's wire_name, or ``name`` when unknown."""
    if action is not None:
        for param in action.request:
            if param.name == name:
                return param.wire_name
    return name


def array_base_for(action: ActionSpec | None, name: str, call_base: int | None) -> int:
    """The index base for a legacy array: the call's choice, else the spec's first, else 0."""
    if call_base is not None:
        return call_base
    if action is not None:
        for param in action.request:
            if param.name == name and param.array_bases:
                return param.array_bases[0]
    return 0


def scalar_text(value: Any, bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> str:
    """A scalar as query/form text: booleans per ``bool_text``, everything else ``str()``."""
    if isinstance(value, bool):
        return bool_text[0] if value else bool_text[1]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def flatten(prefix: str, value: Any, *, base: int = 0,
            bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> list[tuple[str, str]]:
    """Flatten lists and structs into ``Filters.0.Name``-style pairs.

    An empty list or struct yields nothing and ``None`` is omitted, as the official SDKs do:
    a flat encoding cannot say "empty array". Only the outermost list uses ``base``; nested
    lists are 0-based like the API 3.0 encoding.
    """
    if value is None:
        return []
    if isinstance(value, Mapping):
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            out.extend(flatten(f"{prefix}.{key}", item, bool_text=bool_text))
        return out
    if isinstance(value, list | tuple):
        out = []
        for index, item in enumerate(value, start=base):
            out.extend(flatten(f"{prefix}.{index}", item, bool_text=bool_text))
        return out
    return [(prefix, scalar_text(value, bool_text))]


def rfc3986(text: str) -> str:
    """Percent-encode everything but RFC 3986 unreserved characters, upper-case hex, UTF-8."""
    return quote(text, safe="")


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """``k=v&...`` with keys and values RFC 3986 encoded (spaces as ``%20``, never ``+``)."""
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in pairs)


def decode_pairs(text: str) -> list[tuple[str, str]]:
    """Parse a query string or form body back into pairs, keeping blanks and order."""
    return parse_qsl(text, keep_blank_values=True)


def apply_common(pairs: list[tuple[str, str]], overrides: Mapping[str, str | None]
                 ) -> list[tuple[str, str]]:
    """Replace or drop common parameters per a Call's ``common`` overrides."""
    if not overrides:
        return pairs
    out = [(k, v) for k, v in pairs if k not in overrides]
    out.extend((k, v) for k, v in overrides.items() if v is not None)
    return out
