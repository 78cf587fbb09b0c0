"""Wire dialects: encode a :class:`Call` into an ``httpx.Request``, sign it, decode the answer.

Three dialects, chosen by API surface and signature method:

- ``tc3`` — API 3.0, JSON POST to ``/``, TC3-HMAC-SHA256 (:mod:`.tc3`);
- ``tcv1`` — API 3.0, GET query or form POST, HmacSHA1/HmacSHA256 (:mod:`.tcv1`);
- ``cmq_legacy`` — legacy CMQ, ``/v2/index.php`` on the queue or topic host (:mod:`.cmq_legacy`).

Example::

    prepared = prepare(Call(V3, "CreateQueue", {"QueueName": "q1"}), base_url=url,
                       credentials=creds, signature_method="TC3-HMAC-SHA256",
                       region="ap-guangzhou", version="2019-03-04", service="cmq")
    response = httpx.Client().send(prepared.request, auth=prepared.auth)
    envelope = decode(V3, response)
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from cmqconform.dialects import cmq_legacy, tc3, tcv1
from cmqconform.dialects.call import (
    BOOL_TEXT_DOC,
    BOOL_TEXT_PYTHON,
    Call,
    Clock,
    NonceSource,
    random_nonce,
    system_clock,
)
from cmqconform.dialects.credentials import Credentials, Secret
from cmqconform.dialects.envelope import (
    ApiError,
    Decoded,
    DecodeFailure,
    Envelope,
    RequestEvidence,
    WireEvidence,
    decode,
    redact_request,
)
from cmqconform.dialects.signing import HMAC_METHODS, TC3_ALGORITHM
from cmqconform.models import LEGACY, V3, ActionSpec

#: Signature methods each surface can be signed with by this package.
SIGNATURE_METHODS = {V3: (TC3_ALGORITHM, *HMAC_METHODS), LEGACY: tuple(HMAC_METHODS)}

__all__ = [
    "BOOL_TEXT_DOC", "BOOL_TEXT_PYTHON", "SIGNATURE_METHODS", "ApiError", "Call", "Credentials",
    "DecodeFailure", "Decoded", "Envelope", "Prepared", "RequestEvidence", "Secret", "WireEvidence",
    "decode", "dialect_for", "prepare", "redact_request",
]


@dataclass(frozen=True, slots=True)
class Prepared:
    """An encoded request, the ``httpx.Auth`` that signs it, and the dialect's name."""

    request: httpx.Request
    auth: httpx.Auth
    dialect: str


def dialect_for(api: str, signature_method: str) -> str:
    """The dialect that speaks ``api`` with ``signature_method``; ValueError if none does."""
    if signature_method not in SIGNATURE_METHODS.get(api, ()):
        raise ValueError(f"{api} cannot be signed with {signature_method!r}; expected one of "
                         f"{', '.join(SIGNATURE_METHODS.get(api, ()))}")
    if api == LEGACY:
        return cmq_legacy.NAME
    return tc3.NAME if signature_method == TC3_ALGORITHM else tcv1.NAME


def prepare(call: Call, *, base_url: str, credentials: Credentials, signature_method: str,
            region: str | None, version: str, service: str, path: str,
            action: ActionSpec | None = None, language: str | None = None,
            clock: Clock = system_clock, nonce: NonceSource = random_nonce,
            bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> Prepared:
    """Encode ``call`` for its surface and signature method and pair it with its signer.

    ``base_url`` is the endpoint of the surface (for legacy, of the host the action's spec
    names); ``path``, ``version`` and ``service`` come from ``specs/cmq/service.yaml``.
    """
    dialect = dialect_for(call.api, signature_method)
    auth: httpx.Auth
    if dialect == tc3.NAME:
        request = tc3.encode(call, base_url, region=region, version=version, action=action,
                             language=language, path=path, bool_text=bool_text)
        auth = tc3.Tc3Auth(credentials, service=service, clock=clock)
    elif dialect == tcv1.NAME:
        request = tcv1.encode(call, base_url, region=region, version=version, action=action,
                              language=language, path=path, bool_text=bool_text)
        auth = tcv1.HmacAuth(credentials, signature_method, clock=clock, nonce=nonce)
    else:
        request = cmq_legacy.encode(call, base_url, action=action, region=region, path=path,
                                    bool_text=bool_text)
        auth = cmq_legacy.LegacyAuth(credentials, signature_method, clock=clock, nonce=nonce)
    return Prepared(request, auth, dialect)
