"""Decode any response into one envelope, and redact request evidence.

API 3.0 answers ``{"Response": {"RequestId": ..., "Error": {"Code", "Message"}}}``
(cmq-api.txt:280-296); legacy answers ``{"code": 0, "message": "", "requestId": ...}`` with the
module code inside the message, "(10430) action name is not existed" (cmq-api.txt:4700-4718).
Decoding never raises: a body it cannot read becomes a :class:`DecodeFailure` carrying the raw
status, headers and body, which the runner turns into an ``error`` verdict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from cmqconform.dialects.call import rfc3986
from cmqconform.dialects.credentials import MASK
from cmqconform.dialects.redaction import redact_text

_MODULE_CODE = re.compile(r"^\s*\((?P<module>\d+)\)\s*")
_AUTH_SIGNATURE = re.compile(r"(Signature=)[^,\s]*")


@dataclass(frozen=True, slots=True)
class WireEvidence:
    """The raw response as received: status, headers (in order) and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, response: httpx.Response) -> WireEvidence:
        """Capture an httpx response (its body must have been read)."""
        return cls(response.status_code, tuple(response.headers.multi_items()), response.content)

    @property
    def content_type(self) -> str | None:
        """The Content-Type header exactly as sent, or None."""
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return None

    def text(self, limit: int = 2000) -> str:
        """The body as text for reports, cut at ``limit`` characters."""
        body = self.body.decode("utf-8", errors="replace")
        return body if len(body) <= limit else f"{body[:limit]}... ({len(body)} characters)"


@dataclass(frozen=True, slots=True)
class ApiError:
    """An error answer: v3 string ``code``, or legacy numeric ``code`` and parsed ``module``."""

    code: str | int
    message: str
    module: int | None = None

    def __str__(self) -> str:
        module = f"/{self.module}" if self.module is not None else ""
        return f"{self.code}{module}: {self.message}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded response: request id, then success ``data`` or an ``error``, plus evidence."""

    #: The dialect that decoded it.
    dialect: str
    request_id: str | None
    data: Mapping[str, Any] | None
    error: ApiError | None
    evidence: WireEvidence = field(repr=False)

    @property
    def ok(self) -> bool:
        """True for a success answer."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """A body the suite could not read as an envelope: why, and the evidence."""

    dialect: str
    reason: str
    evidence: WireEvidence = field(repr=False)

    ok = False

    def __str__(self) -> str:
        return (f"undecodable {self.dialect} response (HTTP {self.evidence.status}, "
                f"Content-Type {self.evidence.content_type!r}): {self.reason}")


Decoded = Envelope | DecodeFailure


def _json_object(evidence: WireEvidence, dialect: str) -> dict[str, Any] | DecodeFailure:
    if not evidence.body.strip():
        return DecodeFailure(dialect, "empty body", evidence)
    try:
        doc = json.loads(evidence.body)
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError is a ValueError too; RecursionError guards absurdly deep nesting.
        head = evidence.text(80).replace("\n", " ")
        return DecodeFailure(dialect, f"body is not JSON ({exc.__class__.__name__}): {head!r}",
                             evidence)
    if not isinstance(doc, dict):
        return DecodeFailure(dialect, f"body is JSON {type(doc).__name__}, expected an object",
                             evidence)
    return doc


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


#: The dialect names the decoders below record in what they return.
TENCENT_V3 = "tencent_v3"
CMQ_LEGACY = "cmq_legacy"


def decode_tencent_v3(evidence: WireEvidence) -> Decoded:
    """Decode an API 3.0 ``{"Response": {...}}`` body."""
    doc = _json_object(evidence, TENCENT_V3)
    if isinstance(doc, DecodeFailure):
        return doc
    response = doc.get("Response")
    if not isinstance(response, dict):
        return DecodeFailure(
            TENCENT_V3, f"'Response' is {_kind(response)}, expected an object", evidence)
    request_id = response.get("RequestId")
    if request_id is not None and not isinstance(request_id, str):
        return DecodeFailure(
            TENCENT_V3, f"'Response.RequestId' is {_kind(request_id)}, expected a "
                                 f"string", evidence)
    if "Error" not in response:
        data = {k: v for k, v in response.items() if k != "RequestId"}
        return Envelope(TENCENT_V3, request_id, data, None, evidence)
    error = response["Error"]
    if not isinstance(error, dict):
        return DecodeFailure(
            TENCENT_V3, f"'Response.Error' is {_kind(error)}, expected an object",
                             evidence)
    code, message = error.get("Code"), error.get("Message", "")
    if not isinstance(code, str) or not code:
        return DecodeFailure(
            TENCENT_V3, f"'Response.Error.Code' is {code!r}, expected a non-empty "
                                 f"string", evidence)
    if not isinstance(message, str):
        return DecodeFailure(
            TENCENT_V3, f"'Response.Error.Message' is {_kind(message)}, expected a "
                                 f"string", evidence)
    return Envelope(TENCENT_V3, request_id, None, ApiError(code, message), evidence)


def module_code(message: str) -> int | None:
    """The module code a legacy message starts with: ``"(10430) action..."`` -> 10430."""
    match = _MODULE_CODE.match(message)
    return int(match.group("module")) if match else None


def decode_legacy(evidence: WireEvidence) -> Decoded:
    """Decode a legacy ``{"code": 0, "message": "", "requestId": ...}`` body.

    ``code`` must be a JSON integer: the official SDK treats the string ``"0"`` as an error
    (CLIENT-WIRE-NOTES.md), so a string code is undecodable, not a success.
    """
    doc = _json_object(evidence, CMQ_LEGACY)
    if isinstance(doc, DecodeFailure):
        return doc
    if "code" not in doc:
        return DecodeFailure(CMQ_LEGACY, "no 'code' member", evidence)
    code = doc["code"]
    if isinstance(code, bool) or not isinstance(code, int):
        return DecodeFailure(CMQ_LEGACY, f"'code' is {code!r} ({_kind(code)}), expected an integer",
                             evidence)
    message = doc.get("message", "")
    if not isinstance(message, str):
        return DecodeFailure(CMQ_LEGACY, f"'message' is {_kind(message)}, expected a string",
                             evidence)
    request_id = doc.get("requestId")
    if request_id is not None and not isinstance(request_id, str):
        return DecodeFailure(CMQ_LEGACY, f"'requestId' is {_kind(request_id)}, expected a string",
                             evidence)
    if code == 0:
        data = {k: v for k, v in doc.items() if k not in ("code", "message", "requestId")}
        return Envelope(CMQ_LEGACY, request_id, data, None, evidence)
    return Envelope(CMQ_LEGACY, request_id, None, ApiError(code, message, module_code(message)),
                    evidence)


@dataclass(frozen=True, slots=True)
class RequestEvidence:
    """A request as reports show it: method, URL, headers and body with secrets masked."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every literal occurrence of each secret value with the mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _secret_names() -> tuple[frozenset[str], frozenset[str]]:
    # The dialects declare their secrets; imported late because they import this module.
    from cmqconform.dialects.protocol import secret_names

    return secret_names()


def redact_query(text: str) -> str:
    """A query string or form body with secret values masked (the mask left unencoded)."""
    pairs = parse_qsl(text, keep_blank_values=True)
    secret = _secret_names()[0]
    return "&".join(f"{rfc3986(k)}={MASK if k in secret else rfc3986(v)}"
                    for k, v in pairs)


def _redact_json(value: Any, secret: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: MASK if k in secret else _redact_json(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, secret) for v in value]
    return value


def redact_header(name: str, value: str) -> str:
    """A header value fit for evidence: the Authorization signature and tokens masked."""
    lower = name.lower()
    if lower == "authorization":
        return _AUTH_SIGNATURE.sub(rf"\g<1>{MASK}", value) if "Signature=" in value else MASK
    return MASK if lower in _secret_names()[1] else value


def redact_body_text(body: bytes, content_type: str) -> str:
    """A body as text with every secret parameter masked (JSON, form or query encoded)."""
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            redacted = _redact_json(json.loads(text), _secret_names()[0])
            return json.dumps(redacted, ensure_ascii=False)
        except (ValueError, RecursionError):
            # Not JSON, or JSON too deep to walk: masked by name as text instead.
            return redact_text(text)
    if "=" in text and "{" not in text[:1]:
        # Query/form dialects; the legacy SDK sends forms without a Content-Type at all.
        return redact_query(text)
    return text


def redact_request(request: httpx.Request, secrets: Iterable[str] = ()) -> RequestEvidence:
    """WireEvidence of a sent request with Signature/Authorization/SecretKey/Token values masked.

    ``secrets`` (e.g. ``credentials.secrets()``) are also scrubbed wherever they appear literally.
    """
    secrets = tuple(secrets)
    query = request.url.query.decode("ascii", errors="replace")
    url = request.url.copy_with(query=None)
    shown = str(url)
    if query:
        shown += "?" + redact_query(query)
    headers = tuple((k, scrub(redact_header(k, v), secrets))
                    for k, v in request.headers.multi_items())
    try:
        body = request.content
    except httpx.RequestNotRead:
        body = b""
    text = redact_body_text(body, request.headers.get("Content-Type", ""))
    return RequestEvidence(request.method, scrub(shown, secrets), headers, scrub(text, secrets))
