"""API 3.0 with TC3-HMAC-SHA256: JSON POST (or GET) to ``/``, common parameters as headers.

See cmq-api.txt:250-296 (common headers) and cmq-api.txt:363-508 (the signature).
"""

from __future__ import annotations

import json
from collections.abc import Generator

import httpx

from cmqconform.dialects.call import (
    BOOL_TEXT_DOC,
    Call,
    Clock,
    encode_pairs,
    flatten,
    system_clock,
    wire_name,
)
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.signing import (
    tc3_authorization,
    tc3_canonical_request,
    tc3_signature,
    tc3_string_to_sign,
)
from cmqconform.models import ActionSpec

NAME = "tc3"
JSON_CONTENT = "application/json"
FORM_CONTENT = "application/x-www-form-urlencoded"
SIGNED_HEADERS = ("content-type", "host")


def header_name(common: str) -> str:
    """The header carrying a common parameter: ``Region`` -> ``X-TC-Region``."""
    return f"X-TC-{common}"


def payload_json(params: dict[str, object]) -> bytes:
    """The JSON body, written as the official SDK and the doc's example write it.

    ``json.dumps`` defaults (``", "``/``": "`` separators, ASCII escapes) reproduce the doc's
    payload hash (cmq-api.txt:407) byte for byte.
    """
    return json.dumps(params).encode("utf-8")


def encode(call: Call, base_url: str, *, region: str | None, version: str,
           action: ActionSpec | None = None, language: str | None = None,
           path: str = "/", bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> httpx.Request:
    """An unsigned TC3 request for ``call``; :class:`Tc3Auth` adds the timestamp and signature."""
    params = {wire_name(action, name): value for name, value in call.params.items()}
    common: dict[str, str | None] = {"Action": call.action, "Version": version, "Region": region,
                                     "Language": language}
    common.update(call.common)
    headers = {header_name(k): v for k, v in common.items() if v is not None}
    url = httpx.URL(base_url).copy_with(path=path, query=None)
    if call.http_method == "GET":
        pairs = [pair for key, value in params.items()
                 for pair in flatten(key, value, bool_text=bool_text)]
        headers["Content-Type"] = FORM_CONTENT
        request = httpx.Request("GET", url.copy_with(query=encode_pairs(pairs).encode("ascii")),
                                headers=headers)
    else:
        headers["Content-Type"] = JSON_CONTENT
        request = httpx.Request("POST", url, headers=headers, content=payload_json(params))
    request.headers.update(call.headers)
    return request


class Tc3Auth(httpx.Auth):
    """Signs a request with TC3-HMAC-SHA256 (model: ``httpx.DigestAuth``).

    Adds ``X-TC-Timestamp`` from ``clock`` unless the request already carries one (tests of
    expired signatures set it), ``X-TC-Token`` when the credentials hold a token, and the
    ``Authorization`` header. The signed host is the ``Host`` header exactly as sent.
    """

    requires_request_body = True

    def __init__(self, credentials: Credentials, *, service: str,
                 clock: Clock = system_clock) -> None:
        self.credentials = credentials
        self.service = service
        self.clock = clock

    def __repr__(self) -> str:
        return f"Tc3Auth({self.credentials!r}, service={self.service!r})"

    def sign(self, request: httpx.Request) -> None:
        """Add the timestamp, token and Authorization headers to ``request`` in place."""
        stamp = request.headers.get("X-TC-Timestamp")
        if stamp is None:
            stamp = str(int(self.clock()))
            request.headers["X-TC-Timestamp"] = stamp
        # A deliberately malformed timestamp is still signed: the date then comes from the clock.
        timestamp = int(stamp) if stamp.isdigit() else int(self.clock())
        token = self.credentials.token
        if token is not None and "X-TC-Token" not in request.headers:
            request.headers["X-TC-Token"] = token.reveal()
        payload = b"" if request.method == "GET" else request.content
        canonical = tc3_canonical_request(
            request.method, request.url.raw_path.split(b"?")[0].decode("ascii"),
            request.url.query.decode("ascii"),
            dict(request.headers), SIGNED_HEADERS, payload)
        to_sign = tc3_string_to_sign(timestamp, self.service, canonical)
        signature = tc3_signature(self.credentials.secret_key.reveal(), timestamp, self.service,
                                  to_sign)
        request.headers["Authorization"] = tc3_authorization(
            self.credentials.secret_id, timestamp, self.service, SIGNED_HEADERS, signature)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign, then send once."""
        self.sign(request)
        yield request
