"""One proxied exchange as recorded: the request and the answer (or the upstream fault), redacted.

The judge reads only this record, live and on replay alike, so a cassette re-judged against the
same specs gives the same verdicts as the live run. Secrets are masked when the record is made
(:func:`redacted`): the signature inside ``Authorization``, ``Signature``/``Token``/``SecretKey``
values, token headers, and every credential of the environment by value.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cmqconform.dialects.envelope import (
    WireEvidence,
    redact_body_text,
    redact_header,
    redact_query,
    scrub,
)

#: Headers that describe one hop only; never forwarded, never recorded.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade"})


@dataclass(frozen=True, slots=True)
class Recorded:
    """A request, and the upstream's answer or the fault that stopped it."""

    seq: int
    method: str
    path: str
    query: str
    #: Header pairs as received (names in the client's case), secrets masked.
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = field(default=b"", repr=False)
    #: ``upstream down``, ``upstream timeout``, ``upstream reset``: no answer came back.
    fault: str | None = None
    duration: float = 0.0
    at: str = ""

    @property
    def lower_headers(self) -> dict[str, str]:
        """Request headers keyed by lower-cased name (the last of repeated names wins)."""
        return {k.lower(): v for k, v in self.headers}

    @property
    def evidence(self) -> WireEvidence:
        """The answer as the dialects decode it."""
        return WireEvidence(self.status or 0, self.response_headers, self.response_body)

    def to_json(self) -> dict[str, Any]:
        """The cassette line (bodies as UTF-8 text, or base64 when they are not text)."""
        out: dict[str, Any] = {"seq": self.seq, "at": self.at, "method": self.method,
                               "path": self.path, "query": self.query,
                               "headers": [list(h) for h in self.headers],
                               **_body("body", self.body),
                               "duration": round(self.duration, 6)}
        if self.fault is not None:
            out["fault"] = self.fault
        else:
            out["response"] = {"status": self.status,
                               "headers": [list(h) for h in self.response_headers],
                               **_body("body", self.response_body)}
        return out

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Recorded:
        """Read a cassette line back; KeyError/TypeError/ValueError when it is malformed."""
        response = doc.get("response") or {}
        return cls(int(doc["seq"]), str(doc["method"]), str(doc["path"]),
                   str(doc.get("query", "")), _pairs(doc.get("headers", [])),
                   _unbody(doc, "body"), response.get("status"),
                   _pairs(response.get("headers", [])), _unbody(response, "body"),
                   doc.get("fault"), float(doc.get("duration", 0.0)), str(doc.get("at", "")))


def _body(key: str, data: bytes) -> dict[str, str]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {f"{key}_b64": base64.b64encode(data).decode("ascii")}


def _unbody(doc: Mapping[str, Any], key: str) -> bytes:
    if f"{key}_b64" in doc:
        return base64.b64decode(str(doc[f"{key}_b64"]), validate=True)
    return str(doc.get(key, "")).encode("utf-8")


def _pairs(items: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        name, value = item
        out.append((str(name), str(value)))
    return tuple(out)


def redact_pairs(headers: Iterable[tuple[str, str]],
                 secrets: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
    """Header pairs without hop-by-hop ones, signatures and tokens masked."""
    secrets = tuple(secrets)
    return tuple((k, scrub(redact_header(k, v), secrets)) for k, v in headers
                 if k.lower() not in HOP_BY_HOP)


def redact_body(body: bytes, content_type: str, secrets: Iterable[str] = ()) -> bytes:
    """A request body with secret parameters masked; non-text bodies are kept as they are."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body  # no parameter can be read from it, so none can be masked
    text = redact_body_text(body, content_type)
    if "json" in content_type:
        try:
            # redact_body_text re-dumps JSON; keep the client's bytes when nothing was masked.
            if json.loads(text) == json.loads(body):
                text = body.decode("utf-8")
        except ValueError:
            pass
    return scrub(text, secrets).encode("utf-8")


def redacted(seq: int, method: str, path: str, query: str,
             headers: Iterable[tuple[str, str]], body: bytes, *,
             secrets: Iterable[str] = (), at: str = "") -> Recorded:
    """The request part of a record, redacted as every artifact must be."""
    secrets = tuple(secrets)
    pairs = tuple(headers)
    content_type = next((v for k, v in pairs if k.lower() == "content-type"), "")
    shown_query = scrub(redact_query(query), secrets) if query else ""
    return Recorded(seq, method, path, shown_query, redact_pairs(pairs, secrets),
                    redact_body(body, content_type, secrets), at=at)
