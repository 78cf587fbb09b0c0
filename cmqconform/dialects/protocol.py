"""The client side of a dialect, and the registry that picks one by the name a surface gives.

A surface's facts (``product.yaml``) name its dialect; the engine reaches the wire only through
this protocol, never through ``if surface == ...``. Adding a dialect is a class that meets
:class:`Dialect`, registered once::

    class HuaweiRest:
        name = "huawei_rest"
        ...

    register(HuaweiRest())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from cmqconform.dialects.call import Call, Clock, NonceSource
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.envelope import Decoded, WireEvidence
from cmqconform.models import ActionSpec, ApiSpec, SurfaceFacts


@dataclass(frozen=True, slots=True)
class Prepared:
    """An encoded request, the ``httpx.Auth`` that signs it, and the signer's name."""

    request: httpx.Request
    auth: httpx.Auth
    #: The signer (wire variant) that encoded it: ``tc3``, ``tcv1``, ``cmq_legacy``.
    dialect: str


class Dialect(Protocol):
    """How one family of surfaces talks: encode and sign a call, decode the answer.

    Everything that differs between dialects is here as data or a method: which signature
    methods exist, the envelope and its decoding, the response members a schema describes,
    the auth tampers and protocol negatives a suite may send, and the names of secrets.
    """

    #: The registry name surfaces use in product.yaml.
    name: str
    #: Signature method -> the signer (wire variant) implementing it.
    signers: Mapping[str, str]
    #: Request members and headers whose values are secrets (masked in every artifact).
    secret_params: frozenset[str]
    secret_headers: frozenset[str]
    #: Credential tampers this dialect's auth can be tested with.
    auth_tampers: tuple[str, ...]
    #: The clause (suffix after ``<surface>.``) stating the envelope every answer has.
    envelope_clause: str

    def prepare(self, call: Call, facts: SurfaceFacts, *, base_url: str,
                credentials: Credentials, signature_method: str, region: str | None,
                action: ActionSpec | None, language: str | None, clock: Clock,
                nonce: NonceSource, bool_text: tuple[str, str]) -> Prepared:
        """Encode ``call`` for ``facts``'s surface and pair it with its signer."""

    def decode(self, response: httpx.Response | WireEvidence) -> Decoded:
        """The response's envelope; never raises (a DecodeFailure instead)."""

    def members(self, body: bytes) -> dict[str, Any]:
        """The members a success response schema describes, from a decoded success body."""


_REGISTRY: dict[str, Dialect] = {}


def register(dialect: Dialect) -> Dialect:
    """Add ``dialect`` to the registry; ValueError when its name is taken."""
    if dialect.name in _REGISTRY:
        raise ValueError(f"dialect {dialect.name!r} is already registered")
    _REGISTRY[dialect.name] = dialect
    return dialect


def envelope_clause(api: ApiSpec) -> str:
    """The surface clause stating what every answer looks like (its dialect names it)."""
    return f"{api.id}.{get_dialect(api.dialect).envelope_clause}"


def get_dialect(name: str) -> Dialect:
    """The dialect registered as ``name``; ValueError naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown dialect {name!r}; known: "
                         f"{', '.join(sorted(_REGISTRY))}") from None


def dialect_names() -> tuple[str, ...]:
    """Every registered dialect's name."""
    return tuple(sorted(_REGISTRY))


def secret_names() -> tuple[frozenset[str], frozenset[str]]:
    """The union of every dialect's secret parameter and header names (for redaction)."""
    params = frozenset().union(*(d.secret_params for d in _REGISTRY.values()))
    headers = frozenset().union(*(d.secret_headers for d in _REGISTRY.values()))
    return params, headers
