"""Build signed requests for the emulator's HTTP tests, straight from the pure signing steps.

Kept independent of the suite's dialect encoders on purpose: the emulator is checked against the
doc's algorithm, not against the code that will later be checked against the emulator.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from cmqconform.dialects.call import random_nonce
from cmqconform.dialects.signing import (
    hmac_base64,
    tc3_authorization,
    tc3_canonical_request,
    tc3_signature,
    tc3_string_to_sign,
    v1_string_to_sign,
)

SID = "AKIDtestaccount0001"
SKEY = "test-secret-key-0001"
VERSION = "2019-03-04"
REGION = "ap-guangzhou"
LEGACY_PATH = "/v2/index.php"
#: The non-"/" surface paths, as ``read_request``/``detect_dialect`` take them.
LEGACY_PATHS = frozenset({LEGACY_PATH})


def tc3(action: str, params: Mapping[str, Any], host: str, *, sid: str = SID, key: str = SKEY,
        timestamp: int | None = None, version: str = VERSION,
        region: str | None = REGION) -> tuple[dict[str, str], bytes]:
    """Headers and JSON body of a TC3-HMAC-SHA256 POST to ``/``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    body = json.dumps(params).encode()
    headers = {"Content-Type": "application/json", "Host": host, "X-TC-Action": action,
               "X-TC-Version": version, "X-TC-Timestamp": str(stamp)}
    if region is not None:
        headers["X-TC-Region"] = region
    signed = ["content-type", "host"]
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical = tc3_canonical_request("POST", "/", "", lowered, signed, body)
    signature = tc3_signature(key, stamp, "cmq", tc3_string_to_sign(stamp, "cmq", canonical))
    headers["Authorization"] = tc3_authorization(sid, stamp, "cmq", signed, signature)
    return headers, body


def hmac_params(action: str, params: Mapping[str, str], host: str, *, method: str = "POST",
                path: str = "/", sid: str = SID, key: str = SKEY, timestamp: int | None = None,
                signature_method: str = "HmacSHA256", v1: bool = True,
                nonce: int | None = None) -> dict[str, str]:
    """Every parameter of a v1 (``v1=True``) or legacy request, signed; a fresh random Nonce
    unless ``nonce`` is given (the same Nonce and Timestamp twice is a replay)."""
    flat: dict[str, str] = {"Action": action, "SecretId": sid,
                            "Nonce": str(random_nonce() if nonce is None else nonce),
                            "Timestamp": str(int(time.time()) if timestamp is None
                                             else timestamp),
                            "SignatureMethod": signature_method, **params}
    if v1:
        flat.setdefault("Version", VERSION)
        flat.setdefault("Region", REGION)
    flat["Signature"] = hmac_base64(key, v1_string_to_sign(method, host, path, flat),
                                    signature_method)
    return flat


def form(params: Mapping[str, str]) -> bytes:
    """The urlencoded form body."""
    return urlencode(params).encode()
