"""Legacy CMQ (2017): GET or form POST to ``/v2/index.php`` on the queue or topic host.

Common parameters are UpperCamel (``Action``, ``Nonce``...), action parameters lowerCamel as the
legacy specs name them; arrays are ``name.n`` from base 0 or 1, chosen per call
(cmq-api.txt:4540). The signature is :class:`~cmqconform.dialects.tcv1.HmacAuth`'s rule with
the legacy path (cmq-api.txt:4650-4760).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import httpx

from cmqconform.dialects.call import (
    BOOL_TEXT_DOC,
    Call,
    Clock,
    NonceSource,
    apply_common,
    array_base_for,
    flatten,
    random_nonce,
    system_clock,
    wire_name,
)
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.envelope import CMQ_LEGACY, Decoded, WireEvidence, decode_legacy
from cmqconform.dialects.protocol import Prepared, register
from cmqconform.dialects.signing import HMAC_METHODS
from cmqconform.dialects.tcv1 import FORM_CONTENT, HmacAuth, build
from cmqconform.models import ActionSpec, SurfaceFacts

NAME = CMQ_LEGACY
HOSTS = ("queue", "topic")


class LegacyAuth(HmacAuth):
    """HmacSHA1/HmacSHA256 signer for legacy CMQ; defaults to HmacSHA1 as the doc does."""

    def __init__(self, credentials: Credentials, method: str = "HmacSHA1", *,
                 clock: Clock = system_clock, nonce: NonceSource = random_nonce) -> None:
        super().__init__(credentials, method, clock=clock, nonce=nonce)


def host_of(action: ActionSpec | None, action_name: str) -> str:
    """Which host serves the action (``queue`` or ``topic``), from the spec."""
    if action is None or action.host not in HOSTS:
        raise ValueError(f"legacy action {action_name}: the spec does not say which host "
                         f"serves it (expected host: queue | topic)")
    return action.host


def encode(call: Call, base_url: str, *, action: ActionSpec | None = None,
           region: str | None = None, path: str = "/v2/index.php",
           bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> httpx.Request:
    """An unsigned legacy request against ``base_url`` (the queue or topic host)."""
    pairs = [("Action", call.action)]
    if region is not None:
        pairs.append(("Region", region))
    pairs = apply_common(pairs, call.common)
    for name, value in call.params.items():
        pairs.extend(flatten(wire_name(action, name), value, bool_text=bool_text,
                             base=array_base_for(action, name, call.array_base)))
    headers = {"Content-Type": FORM_CONTENT} if call.http_method == "POST" else {}
    request = build(call.http_method, httpx.URL(base_url).copy_with(path=path), pairs, headers)
    request.headers.update(call.headers)
    return request


class CmqLegacy:
    """The legacy CMQ dialect: one signer, the numeric envelope, ``name.n`` arrays."""

    name = NAME
    signers: Mapping[str, str] = MappingProxyType({m: NAME for m in HMAC_METHODS})
    secret_params = frozenset({"Signature", "Token", "SecretKey"})
    secret_headers: frozenset[str] = frozenset()
    auth_tampers: tuple[str, ...] = ("bad_signature", "unknown_secret_id", "expired_timestamp",
                                     "missing_auth")
    envelope_clause = "protocol.envelope"

    def prepare(self, call: Call, facts: SurfaceFacts, *, base_url: str,
                credentials: Credentials, signature_method: str, region: str | None,
                action: ActionSpec | None, language: str | None, clock: Clock,
                nonce: NonceSource, bool_text: tuple[str, str]) -> Prepared:
        """A form POST or GET on the action's host, signed with the HMAC method named."""
        request = encode(call, base_url, action=action, region=region, path=facts.path,
                         bool_text=bool_text)
        return Prepared(request, LegacyAuth(credentials, signature_method, clock=clock,
                                            nonce=nonce), NAME)

    def decode(self, response: httpx.Response | WireEvidence) -> Decoded:
        """``{"code", "message", "requestId", ...}``, see :func:`~.envelope.decode_legacy`."""
        evidence = response if isinstance(response, WireEvidence) else WireEvidence.of(response)
        return decode_legacy(evidence)

    def members(self, body: bytes) -> dict[str, Any]:
        """The whole body: legacy members sit beside ``code`` and ``message``."""
        doc = json.loads(body)
        return dict(doc) if isinstance(doc, dict) else {}


register(CmqLegacy())
