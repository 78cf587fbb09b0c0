"""Tencent Cloud API 3.0, for any product: TC3-HMAC-SHA256 JSON POST or v1 HmacSHA1/256 GET/form.

The product's service name (signed into the TC3 credential scope), its version, path and
regions are data from the surface's facts; nothing here names a product. Signers live in
:mod:`.tc3` and :mod:`.tcv1`; the envelope decoder in :mod:`.envelope`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import httpx

from cmqconform.dialects import tc3, tcv1
from cmqconform.dialects.call import Call, Clock, NonceSource
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.envelope import (
    TENCENT_V3,
    Decoded,
    WireEvidence,
    decode_tencent_v3,
)
from cmqconform.dialects.protocol import Prepared, register
from cmqconform.dialects.signing import HMAC_METHODS, TC3_ALGORITHM
from cmqconform.models import ActionSpec, SurfaceFacts


class TencentV3:
    """The API 3.0 dialect (see the module docstring)."""

    name = TENCENT_V3
    signers: Mapping[str, str] = MappingProxyType(
        {TC3_ALGORITHM: tc3.NAME, **{m: tcv1.NAME for m in HMAC_METHODS}})
    secret_params = frozenset({"Signature", "Token", "SecretKey"})
    secret_headers = frozenset({"x-tc-token", "x-tc-secretkey"})
    auth_tampers: tuple[str, ...] = ("bad_signature", "unknown_secret_id", "expired_timestamp",
                                     "missing_auth", "bad_token")
    envelope_clause = "protocol.content_type_json"

    def prepare(self, call: Call, facts: SurfaceFacts, *, base_url: str,
                credentials: Credentials, signature_method: str, region: str | None,
                action: ActionSpec | None, language: str | None, clock: Clock,
                nonce: NonceSource, bool_text: tuple[str, str]) -> Prepared:
        """TC3 for ``TC3-HMAC-SHA256``, else v1 with the HMAC method named."""
        auth: httpx.Auth
        if self.signers[signature_method] == tc3.NAME:
            request = tc3.encode(call, base_url, region=region, version=facts.version,
                                 action=action, language=language, path=facts.path,
                                 bool_text=bool_text)
            auth = tc3.Tc3Auth(credentials, service=facts.service, clock=clock)
            return Prepared(request, auth, tc3.NAME)
        request = tcv1.encode(call, base_url, region=region, version=facts.version,
                              action=action, language=language, path=facts.path,
                              bool_text=bool_text)
        auth = tcv1.HmacAuth(credentials, signature_method, clock=clock, nonce=nonce)
        return Prepared(request, auth, tcv1.NAME)

    def decode(self, response: httpx.Response | WireEvidence) -> Decoded:
        """``{"Response": {...}}``, see :func:`~.envelope.decode_tencent_v3`."""
        evidence = response if isinstance(response, WireEvidence) else WireEvidence.of(response)
        return decode_tencent_v3(evidence)

    def members(self, body: bytes) -> dict[str, Any]:
        """The members of ``Response`` (a schema describes those, not the wrapper)."""
        doc = json.loads(body)
        inner = doc.get("Response", {}) if isinstance(doc, dict) else {}
        return dict(inner) if isinstance(inner, dict) else {}


register(TencentV3())
