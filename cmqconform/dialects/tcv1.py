"""API 3.0 with the v1 signatures HmacSHA1/HmacSHA256: GET query or form POST to ``/``.

Common parameters travel with the action's (cmq-api.txt:298-316); arrays and structs are
flattened 0-based (``Filters.0.Name``, ``Filters.0.Values.0``).
:class:`HmacAuth` also signs the legacy dialect, whose rule is the same with another path.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx

from cmqconform.dialects.call import (
    BOOL_TEXT_DOC,
    Call,
    Clock,
    NonceSource,
    apply_common,
    decode_pairs,
    encode_pairs,
    flatten,
    random_nonce,
    system_clock,
    wire_name,
)
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.signing import HMAC_METHODS, hmac_base64, v1_string_to_sign
from cmqconform.models import ActionSpec

NAME = "tcv1"
FORM_CONTENT = "application/x-www-form-urlencoded"
#: The doc verifies with HmacSHA1 whenever SignatureMethod is not HmacSHA256 (cmq-api.txt:315).
FALLBACK_METHOD = "HmacSHA1"


def build(method: str, url: httpx.URL, pairs: list[tuple[str, str]],
          headers: httpx.Headers | dict[str, str]) -> httpx.Request:
    """A query (GET) or form (POST) request carrying ``pairs``."""
    text = encode_pairs(pairs)
    if method == "GET":
        return httpx.Request("GET", url.copy_with(query=text.encode("ascii") or None),
                             headers=headers)
    return httpx.Request("POST", url.copy_with(query=None), headers=headers,
                         content=text.encode("ascii"))


def encode(call: Call, base_url: str, *, region: str | None, version: str,
           action: ActionSpec | None = None, language: str | None = None, path: str = "/",
           bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> httpx.Request:
    """An unsigned v1 request; :class:`HmacAuth` adds Timestamp, Nonce, SecretId and Signature."""
    pairs = [("Action", call.action), ("Version", version)]
    if region is not None:
        pairs.append(("Region", region))
    if language is not None:
        pairs.append(("Language", language))
    pairs = apply_common(pairs, call.common)
    for name, value in call.params.items():
        pairs.extend(flatten(wire_name(action, name), value, bool_text=bool_text))
    headers = {"Content-Type": FORM_CONTENT} if call.http_method == "POST" else {}
    request = build(call.http_method, httpx.URL(base_url).copy_with(path=path), pairs, headers)
    request.headers.update(call.headers)
    return request


class HmacAuth(httpx.Auth):
    """Signs a query/form request with HmacSHA1 or HmacSHA256 (API 3.0 v1 and legacy CMQ).

    Adds ``Timestamp`` and ``Nonce`` from the injectable ``clock`` and ``nonce`` unless the
    request already carries them, ``SecretId``, ``SignatureMethod``, ``Token`` when the
    credentials hold one, then ``Signature`` over ``METHOD + Host header + path + "?" +``
    sorted raw ``k=v``. The request is rebuilt because the signature lives in the body or query.
    """

    requires_request_body = True

    def __init__(self, credentials: Credentials, method: str = "HmacSHA256", *,
                 clock: Clock = system_clock, nonce: NonceSource = random_nonce) -> None:
        if method not in HMAC_METHODS:
            raise ValueError(f"signature method must be one of {', '.join(HMAC_METHODS)}, "
                             f"got {method!r}")
        self.credentials = credentials
        self.method = method
        self.clock = clock
        self.nonce = nonce

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.credentials!r}, {self.method!r})"

    def signed_pairs(self, request: httpx.Request) -> list[tuple[str, str]]:
        """The request's parameters completed with credentials, timestamp, nonce and Signature."""
        if request.method == "GET":
            pairs = decode_pairs(request.url.query.decode("ascii"))
        else:
            pairs = decode_pairs(request.content.decode("ascii", errors="replace"))
        pairs = [(k, v) for k, v in pairs if k != "Signature"]
        present = {k for k, _ in pairs}
        extra: dict[str, Callable[[], str]] = {
            "Timestamp": lambda: str(int(self.clock())),
            "Nonce": lambda: str(self.nonce()),
            "SecretId": lambda: self.credentials.secret_id,
            "SignatureMethod": lambda: self.method,
        }
        if self.credentials.token is not None:
            token = self.credentials.token
            extra["Token"] = token.reveal
        pairs.extend((k, make()) for k, make in extra.items() if k not in present)
        values = dict(pairs)
        method = values.get("SignatureMethod", FALLBACK_METHOD)
        to_sign = v1_string_to_sign(request.method, request.headers["Host"],
                                    request.url.raw_path.split(b"?")[0].decode("ascii"), values)
        signature = hmac_base64(self.credentials.secret_key.reveal(), to_sign,
                                method if method in HMAC_METHODS else FALLBACK_METHOD)
        pairs.append(("Signature", signature))
        return pairs

    def sign(self, request: httpx.Request) -> httpx.Request:
        """A new request equal to ``request`` plus the signed parameters."""
        headers = httpx.Headers(request.headers)
        headers.pop("Content-Length", None)
        signed = build(request.method, request.url, self.signed_pairs(request), headers)
        signed.extensions = request.extensions
        return signed

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign, then send once."""
        yield self.sign(request)
