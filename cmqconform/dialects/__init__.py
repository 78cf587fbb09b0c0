"""Wire dialects: encode a :class:`Call` into an ``httpx.Request``, sign it, decode the answer.

A surface's facts name its dialect; :func:`get_dialect` returns it from one registry
(:mod:`.protocol`). Registered here:

- ``tencent_v3`` — Tencent Cloud API 3.0 for any product: TC3-HMAC-SHA256 JSON POST
  (:mod:`.tc3`) or v1 HmacSHA1/HmacSHA256 GET query or form POST (:mod:`.tcv1`);
- ``cmq_legacy`` — legacy CMQ, ``/v2/index.php`` on the queue or topic host (:mod:`.cmq_legacy`);
- ``huawei_rest`` — Huawei Cloud REST: path templates, query and header parameters, the HTTP
  status as contract, ``X-Auth-Token`` or AK/SK ``SDK-HMAC-SHA256`` (:mod:`.huawei_rest`).

Example::

    facts = specs.api(surface).facts
    dialect = get_dialect(facts.dialect)
    prepared = dialect.prepare(Call(surface, "CreateQueue", {"QueueName": "q1"}), facts,
                               base_url=url, credentials=creds,
                               signature_method="TC3-HMAC-SHA256", region="ap-guangzhou", ...)
    envelope = dialect.decode(httpx.Client().send(prepared.request, auth=prepared.auth))
"""

from __future__ import annotations

from cmqconform.dialects import cmq_legacy, huawei_rest, tencent_v3
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
    redact_request,
)
from cmqconform.dialects.protocol import (
    Dialect,
    Prepared,
    dialect_names,
    get_dialect,
    register,
)

__all__ = [
    "BOOL_TEXT_DOC",
    "BOOL_TEXT_PYTHON",
    "ApiError",
    "Call",
    "Clock",
    "Credentials",
    "DecodeFailure",
    "Decoded",
    "Dialect",
    "Envelope",
    "NonceSource",
    "Prepared",
    "RequestEvidence",
    "Secret",
    "WireEvidence",
    "cmq_legacy",
    "dialect_names",
    "get_dialect",
    "huawei_rest",
    "random_nonce",
    "redact_request",
    "register",
    "system_clock",
    "tencent_v3",
]
