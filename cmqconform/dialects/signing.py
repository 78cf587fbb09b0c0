"""Pure signing steps of the three wire dialects, shared by the client side and the emulator.

Every function here is pure: fixed inputs give the doc's fixed outputs (see tests). The
``httpx.Auth`` classes in the dialect modules and the emulator's verifiers are built on them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

TC3_ALGORITHM = "TC3-HMAC-SHA256"
TC3_TERMINATOR = "tc3_request"
HMAC_METHODS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def tc3_date(timestamp: int) -> str:
    """The credential date: the UTC (never local) date of ``timestamp``, ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")


def tc3_canonical_request(method: str, uri: str, query: str, headers: Mapping[str, str],
                          signed_headers: Sequence[str], payload: bytes) -> str:
    """CanonicalRequest: method, URI, query, ``key:value\\n`` headers, signed names, body hash.

    ``headers`` maps lower-case names to values as sent; only ``signed_headers`` are used.
    """
    names = sorted(h.lower() for h in signed_headers)
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lowered.get(n, '').strip().lower()}\n" for n in names)
    return "\n".join([method.upper(), uri, query, canonical_headers, ";".join(names),
                      sha256_hex(payload)])


def tc3_credential_scope(timestamp: int, service: str) -> str:
    """``DATE/service/tc3_request``."""
    return f"{tc3_date(timestamp)}/{service}/{TC3_TERMINATOR}"


def tc3_string_to_sign(timestamp: int, service: str, canonical_request: str) -> str:
    """StringToSign = algorithm, timestamp, credential scope, hashed canonical request."""
    return "\n".join([TC3_ALGORITHM, str(timestamp), tc3_credential_scope(timestamp, service),
                      sha256_hex(canonical_request.encode("utf-8"))])


def _hmac256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, timestamp: int, service: str, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign under the key derived from date and service."""
    secret_date = _hmac256(("TC3" + secret_key).encode("utf-8"), tc3_date(timestamp))
    secret_service = _hmac256(secret_date, service)
    secret_signing = _hmac256(secret_service, TC3_TERMINATOR)
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_authorization(secret_id: str, timestamp: int, service: str,
                      signed_headers: Sequence[str], signature: str) -> str:
    """The ``Authorization`` header value."""
    names = ";".join(sorted(h.lower() for h in signed_headers))
    return (f"{TC3_ALGORITHM} Credential={secret_id}/{tc3_credential_scope(timestamp, service)}, "
            f"SignedHeaders={names}, Signature={signature}")


def v1_string_to_sign(method: str, host: str, path: str, params: Mapping[str, str]) -> str:
    """``METHOD + host + path + "?" + k=v&...`` with keys in byte order and raw values.

    Used by API 3.0 v1 (path ``/``) and by the legacy API (path ``/v2/index.php``). Underscores
    in keys become dots, as the legacy doc requires (cmq-api.txt:4730); ``Signature`` is excluded.
    """
    pairs = sorted((k.replace("_", "."), v) for k, v in params.items() if k != "Signature")
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{method.upper()}{host}{path}?{query}"


def hmac_base64(secret_key: str, message: str, method: str) -> str:
    """Base64 HMAC of ``message``; ``method`` is HmacSHA1 or HmacSHA256."""
    try:
        digest = HMAC_METHODS[method]
    except KeyError:
        raise ValueError(f"unknown signature method {method!r}; "
                         f"expected one of {', '.join(HMAC_METHODS)}") from None
    mac = hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")
