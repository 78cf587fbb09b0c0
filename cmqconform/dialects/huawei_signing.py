"""Huawei Cloud AK/SK request signing (``SDK-HMAC-SHA256``) as the official Python SDK does it.

The canonical request, string to sign and Authorization header follow ``huaweicloudsdkcore``'s
``Signer`` (HUAWEI-SDK-NOTES.md:18-28). The helpers are pure functions so known-answer tests can
feed them fixed inputs and compare them with the SDK's own signer; :class:`AkSkAuth` and
:class:`TokenAuth` are the ``httpx.Auth`` classes a client signs with, and :func:`verify` is the
server side the emulator calls.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

import httpx

from cmqconform.dialects.call import Clock, system_clock
from cmqconform.dialects.credentials import Credentials

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
TOKEN_HEADER = "X-Auth-Token"
PROJECT_HEADER = "X-Project-Id"
#: The signer names product.yaml gives the two documented ways to authenticate.
TOKEN_SIGNER = "huawei_token"
AKSK_SIGNER = "huawei_aksk"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()

_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)\s*$")


def _encode(text: str) -> str:
    # The SDK quotes with '~' safe (and '/' not safe), which is RFC 3986's unreserved set.
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Each segment of the decoded path quoted, with a trailing ``/`` (as the SDK signs it)."""
    uri = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The query pairs sorted, keys and values quoted, joined by ``&``."""
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(pairs))


def signed_header_names(headers: Iterable[str]) -> list[str]:
    """The header names the SDK signs: every one without an underscore, lower-cased, sorted."""
    return sorted({name.lower() for name in headers if "_" not in name})


def canonical_request(method: str, path: str, query: Iterable[tuple[str, str]],
                      headers: Mapping[str, str], signed: Iterable[str], body: bytes) -> str:
    """The canonical request: method, URI, query, headers, signed names and the body hash."""
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    names = list(signed)
    canonical_headers = "".join(f"{name}:{lower.get(name, '')}\n" for name in names)
    payload = hashlib.sha256(body).hexdigest() if body else EMPTY_HASH
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query),
                      canonical_headers, ";".join(names), payload])


def string_to_sign(date: str, canonical: str) -> str:
    """``SDK-HMAC-SHA256``, the X-Sdk-Date value and the canonical request's SHA-256."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign keyed with the SK."""
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def authorization(access_key: str, signed: Iterable[str], sig: str) -> str:
    """The Authorization header value."""
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"


def sdk_date(now: float) -> str:
    """A UNIX time as the X-Sdk-Date value (UTC, basic ISO 8601)."""
    return datetime.fromtimestamp(int(now), UTC).strftime(DATE_FORMAT)


@dataclass(frozen=True, slots=True)
class ParsedAuthorization:
    """The parts of an ``SDK-HMAC-SHA256`` Authorization header."""

    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> ParsedAuthorization | None:
    """The header's AK, signed header names and signature; None when it is not one."""
    match = _AUTHORIZATION.match(value)
    if match is None:
        return None
    return ParsedAuthorization(match["ak"], tuple(match["signed"].split(";")),
                               match["signature"].lower())


def verify(method: str, path: str, query: Iterable[tuple[str, str]],
           headers: Mapping[str, str], body: bytes, secret_key: str,
           parsed: ParsedAuthorization) -> bool:
    """Whether ``parsed.signature`` is the signature of this request under ``secret_key``."""
    lower = {k.lower(): v for k, v in headers.items()}
    canonical = canonical_request(method, path, query, lower, parsed.signed_headers, body)
    expected = signature(secret_key, string_to_sign(lower.get(DATE_HEADER.lower(), ""),
                                                    canonical))
    return hmac.compare_digest(expected, parsed.signature)


class AkSkAuth(httpx.Auth):
    """Signs a request with an AK/SK as ``huaweicloudsdkcore`` does (``SDK-HMAC-SHA256``).

    Adds X-Sdk-Date (from ``clock``) and X-Project-Id when a project is given, then signs every
    header without an underscore. (The credentials' token is the IAM token of
    :class:`TokenAuth`, never sent with a signature.)
    """

    requires_request_body = True

    def __init__(self, credentials: Credentials, *, project_id: str | None = None,
                 clock: Clock = system_clock) -> None:
        self.credentials = credentials
        self.project_id = project_id
        self.clock = clock

    def __repr__(self) -> str:
        return f"AkSkAuth({self.credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Yield the request with its X-Sdk-Date and Authorization headers."""
        request.headers[DATE_HEADER] = sdk_date(self.clock())
        if self.project_id:
            request.headers[PROJECT_HEADER] = self.project_id
        headers = dict(request.headers.items())
        signed = signed_header_names(headers)
        query = httpx.QueryParams(request.url.query.decode("ascii")).multi_items()
        canonical = canonical_request(request.method, request.url.path, query, headers, signed,
                                      request.content)
        sig = signature(self.credentials.secret_key.reveal(),
                        string_to_sign(request.headers[DATE_HEADER], canonical))
        request.headers["Authorization"] = authorization(self.credentials.secret_id, signed, sig)
        yield request


class TokenAuth(httpx.Auth):
    """Authenticates with the documented IAM user token in ``X-Auth-Token``."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __repr__(self) -> str:
        return f"TokenAuth({self.credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Yield the request carrying the token (none when the credentials hold none)."""
        if self.credentials.token is not None:
            request.headers[TOKEN_HEADER] = self.credentials.token.reveal()
        yield request
