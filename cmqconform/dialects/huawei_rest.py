"""Huawei Cloud REST: path templates, query and header parameters, the HTTP status as contract.

An action's route (``http`` in its spec) gives the method and the path template; each parameter's
``in`` says whether it fills a ``{placeholder}``, the query string or a header. Parameters the
spec does not know travel in the query, so negative tests can send them. There is no envelope:
a 2xx answer is the bare body, anything else an error whose code is the HTTP status and whose
body is ``{"error_code", "error_msg"}`` (huawei-mqs-query-messages.txt:287-329). Authentication
is the documented ``X-Auth-Token`` or the SDK's AK/SK signature (:mod:`.huawei_signing`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import httpx

from cmqconform.dialects.call import Call, Clock, NonceSource, encode_pairs, scalar_text
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.envelope import ApiError, Decoded, DecodeFailure, Envelope, WireEvidence
from cmqconform.dialects.huawei_signing import (
    AKSK_SIGNER,
    ALGORITHM,
    TOKEN_HEADER,
    TOKEN_SIGNER,
    AkSkAuth,
    TokenAuth,
)
from cmqconform.dialects.protocol import Prepared, register
from cmqconform.models import ActionSpec, SurfaceFacts

NAME = "huawei_rest"
#: Huawei booleans travel in lower case (HUAWEI-SDK-NOTES.md:13).
BOOL_TEXT = ("true", "false")


def _text(value: Any) -> str:
    return scalar_text(value, BOOL_TEXT)


def route_of(action: ActionSpec | None, name: str) -> tuple[str, str]:
    """The action's (method, path template); ValueError when its spec has no ``http`` route."""
    if action is None or action.http is None:
        raise ValueError(f"{NAME} action {name}: the spec gives no http route "
                         f"(http: {{method, path, status}})")
    return action.http.method, action.http.path


def encode(call: Call, base_url: str, action: ActionSpec | None) -> httpx.Request:
    """An unsigned request: path placeholders filled, the rest in the query or headers.

    A path parameter left out leaves its segment empty, which a server must refuse.
    """
    method, template = route_of(action, call.action)
    where = {p.name: p.location or "query" for p in action.request} if action else {}
    path = template
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for name in (action.http.path_params if action and action.http else ()):
        value = call.params.get(name)
        path = path.replace("{" + name + "}", quote(_text(value), safe="") if value is not None
                            else "")
    for name, value in call.params.items():
        if value is None or where.get(name) == "path":
            continue
        if where.get(name) == "header":
            headers[name] = _text(value)
        elif isinstance(value, list | tuple):
            query.extend((name, _text(v)) for v in value)
        else:
            query.append((name, _text(value)))
    url = httpx.URL(base_url.rstrip("/") + path)
    if query:
        url = url.copy_with(query=encode_pairs(query).encode("ascii"))
    request = httpx.Request(method, url, headers=headers)
    request.headers.update(call.headers)
    return request


def decode_rest(evidence: WireEvidence) -> Decoded:
    """A 2xx JSON object is a success; any other status an error coded by that status."""
    try:
        doc = json.loads(evidence.body) if evidence.body.strip() else None
    except (ValueError, RecursionError) as exc:
        head = evidence.text(80).replace("\n", " ")
        return DecodeFailure(NAME, f"body is not JSON ({exc.__class__.__name__}): {head!r}",
                             evidence)
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"JSON {type(doc).__name__}"
        # JSON that is not an object breaks the body's documented shape: a contract failure.
        return DecodeFailure(NAME, f"body is {kind}, expected an object", evidence,
                             breach=doc is not None)
    if 200 <= evidence.status < 300:
        return Envelope(NAME, None, doc, None, evidence)
    message = doc.get("error_msg")
    return Envelope(NAME, None, None,
                    ApiError(evidence.status, message if isinstance(message, str) else ""),
                    evidence)


class HuaweiRest:
    """The Huawei REST dialect (see the module docstring)."""

    name = NAME
    signers: Mapping[str, str] = MappingProxyType({TOKEN_HEADER: TOKEN_SIGNER,
                                                   ALGORITHM: AKSK_SIGNER})
    # The SK is masked by value; the Authorization signature by redact_header.
    secret_params: frozenset[str] = frozenset()
    secret_headers = frozenset({TOKEN_HEADER.lower()})
    auth_tampers: tuple[str, ...] = ("bad_signature", "unknown_secret_id", "missing_auth",
                                     "bad_token")
    envelope_clause = "protocol.error_body"
    #: The main account authenticates with a token alone (an embedded emulator issues it one).
    token_auth = True

    def prepare(self, call: Call, facts: SurfaceFacts, *, base_url: str,
                credentials: Credentials, signature_method: str, region: str | None,
                action: ActionSpec | None, language: str | None, clock: Clock,
                nonce: NonceSource, bool_text: tuple[str, str]) -> Prepared:
        """The REST request, with the token or the AK/SK signer the method names."""
        request = encode(call, base_url, action)
        signer = self.signers[signature_method]
        auth: httpx.Auth
        if signer == AKSK_SIGNER:
            project = call.params.get("project_id")
            auth = AkSkAuth(credentials, project_id=str(project) if project else None,
                            clock=clock)
        else:
            auth = TokenAuth(credentials)
        return Prepared(request, auth, signer)

    def decode(self, response: httpx.Response | WireEvidence) -> Decoded:
        """See :func:`decode_rest`."""
        evidence = response if isinstance(response, WireEvidence) else WireEvidence.of(response)
        return decode_rest(evidence)

    def members(self, body: bytes) -> dict[str, Any]:
        """The whole body: REST has no envelope."""
        doc = json.loads(body)
        return dict(doc) if isinstance(doc, dict) else {}


register(HuaweiRest())
