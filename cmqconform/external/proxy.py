"""The deviation proxy: a loopback HTTP proxy that forwards to a target and changes one thing.

It stands between ``cmqconform run`` (pytest) and any target (the emulator by default) and
applies ONE :class:`~cmqconform.external.catalog.Deviation` to every exchange the deviation
covers: a request operation changes the request's parameters and signs it again with the
dialect's signer (:mod:`cmqconform.dialects.signing`) under the target's own keys, an answer
operation changes the decoded members or headers of the target's answer. Everything else goes
through untouched, ``Host`` included, so the client's own signatures stay valid. A request whose
signature the proxy cannot verify with the keys it holds (the auth cases sign wrongly on purpose)
is never changed: re-signing it would hide what the case sends. The keys are never logged.
"""

from __future__ import annotations

import hmac
import json
import threading
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from cmqconform.dialects.call import decode_pairs, encode_pairs
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.signing import (
    HMAC_METHODS,
    hmac_base64,
    tc3_authorization,
    tc3_canonical_request,
    tc3_signature,
    tc3_string_to_sign,
    v1_string_to_sign,
)
from cmqconform.emulator.asgi import ThreadServer, forwarding_app
from cmqconform.external.catalog import Deviation
from cmqconform.external.transforms import (
    apply_json_request,
    apply_request,
    apply_response,
    parse_tc3_authorization,
)
from cmqconform.models import SpecSet
from cmqconform.proxy.exchange import HOP_BY_HOP

#: Answer headers the proxy sets itself (it re-sends the body with its own length).
_OWN = HOP_BY_HOP | {"content-length", "content-encoding"}
#: The v1 fallback method when SignatureMethod is not HmacSHA256 (cmq-api.txt:315).
_FALLBACK = "HmacSHA1"


class Wire:
    """One request as the proxy reads it: surface, action and parameters."""

    def __init__(self, method: str, path: str, query: str, headers: dict[str, str],
                 body: bytes, surfaces: dict[str, str]) -> None:
        self.method, self.path, self.query, self.headers, self.body = (
            method, path, query, headers, body)
        self.surface = surfaces.get(path, surfaces.get("/"))
        self.tc3 = "authorization" in headers and headers["authorization"].startswith("TC3-")
        self.json: dict[str, Any] | None = None
        self.pairs: list[tuple[str, str]] = []
        if self.tc3:
            self.action = headers.get("x-tc-action")
            if method == "POST":
                try:
                    loaded = json.loads(body or b"{}")
                except ValueError:
                    loaded = None
                self.json = loaded if isinstance(loaded, dict) else None
        else:
            text = query if method == "GET" else body.decode("latin-1")
            self.pairs = decode_pairs(text)
            self.action = dict(self.pairs).get("Action")


class DeviationProxy:
    """Forwards to ``upstream``, applying ``deviation`` (None: the baseline, nothing changed)."""

    def __init__(self, upstream: str, specs: SpecSet, product: str,
                 credentials: Credentials | None, deviation: Deviation | None = None, *,
                 timeout: float = 60.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.deviation = deviation
        self.credentials = credentials
        self.timeout = timeout
        apis = [specs.api(a) for a in specs.apis if specs.api(a).product == product]
        self.surfaces = {api.facts.path: api.id for api in apis}
        self.envelopes = {api.id: api.facts.envelope for api in apis}
        #: Exchanges the deviation changed, and requests it would have changed but could not
        #: re-sign (another key, another signing method).
        self.applied = 0
        self.unsigned = 0
        self._lock = threading.Lock()
        self.client: httpx.AsyncClient | None = None

    def _count(self, applied: int = 0, unsigned: int = 0) -> None:
        with self._lock:
            self.applied += applied
            self.unsigned += unsigned

    async def handle(self, request: Request) -> Response:
        """Forward one request (changed or not); answer with the (changed) answer."""
        body = await request.body()
        path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
        query = request.scope.get("query_string", b"").decode("latin-1")
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
        headers = [(k, v) for k, v in pairs
                   if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        wire = Wire(request.method, path, query, {k.lower(): v for k, v in pairs}, body,
                    self.surfaces)
        dev = self.deviation
        ours = dev is not None and dev.applies(wire.surface, wire.action)
        if ours and dev is not None and dev.side == "request":
            changed = self._change_request(wire, dev)
            if changed is not None:
                query, body, headers = changed[0], changed[1], _merge(headers, changed[2])
                self._count(applied=1)
        url = self.upstream + path + (f"?{query}" if query else "")
        assert self.client is not None
        try:
            upstream = await self.client.request(request.method, url, headers=headers,
                                                 content=body)
        except httpx.HTTPError as exc:
            # Transport trouble upstream: a 502 the suite reports as an error, never a catch.
            return Response(f"deviation proxy: upstream failed: {type(exc).__name__}",
                            502, media_type="text/plain")
        content = upstream.content
        out = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _OWN]
        if ours and dev is not None and dev.side == "response":
            content, out = self._change_answer(wire.surface or "", content, out, dev)
        response = Response(content, upstream.status_code)
        response.raw_headers = [
            *[(k.encode("latin-1"), v.encode("latin-1")) for k, v in out],
            (b"content-length", str(len(content)).encode()),
        ]
        return response

    # -- answers ---------------------------------------------------------------------------
    def _change_answer(self, surface: str, content: bytes, headers: list[tuple[str, str]],
                       dev: Deviation) -> tuple[bytes, list[tuple[str, str]]]:
        try:
            doc = json.loads(content)
        except ValueError:
            return content, headers
        if not isinstance(doc, dict):
            return content, headers
        shape = self.envelopes.get(surface, {})
        members = doc.get(shape["wrapper"]) if "wrapper" in shape else doc
        if not isinstance(members, dict):
            return content, headers
        failed = (shape.get("error", "\0") in members) if "wrapper" in shape else (
            members.get(shape.get("code", "code")) != shape.get("success_code", 0))
        if (dev.when == "success" and failed) or (dev.when == "error" and not failed):
            return content, headers
        if dev.op == "header":
            name = str(dev.params["name"])
            kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
            self._count(applied=1)
            return content, [*kept, (name, str(dev.params["value"]))]
        if apply_response(members, dev.op, dev.params):
            self._count(applied=1)
            return json.dumps(doc, ensure_ascii=False).encode("utf-8"), headers
        return content, headers

    # -- requests --------------------------------------------------------------------------
    def _change_request(self, wire: Wire, dev: Deviation
                        ) -> tuple[str, bytes, dict[str, str]] | None:
        """(query, body, headers to replace) of the changed, re-signed request; None when the
        request does not carry the parameter or cannot be re-signed with the keys held."""
        creds = self.credentials
        if creds is None:
            self._count(unsigned=1)
            return None
        if wire.tc3:
            return self._change_tc3(wire, dev, creds)
        values = dict(wire.pairs)
        host = wire.headers.get("host", "")
        path = wire.path.split("?")[0]
        method = values.get("SignatureMethod", _FALLBACK)
        method = method if method in HMAC_METHODS else _FALLBACK
        key = creds.secret_key.reveal()
        expected = hmac_base64(key, v1_string_to_sign(wire.method, host, path, values), method)
        if values.get("SecretId") != creds.secret_id or not hmac.compare_digest(
                expected, values.get("Signature", "")):
            self._count(unsigned=1)
            return None
        pairs = apply_request(wire.pairs, dev.op, dev.params)
        if pairs is None:
            return None
        pairs = [(k, v) for k, v in pairs if k != "Signature"]
        pairs.append(("Signature", hmac_base64(
            key, v1_string_to_sign(wire.method, host, path, dict(pairs)), method)))
        text = encode_pairs(pairs)
        if wire.method == "GET":
            return text, wire.body, {}
        return wire.query, text.encode("ascii"), {}

    def _change_tc3(self, wire: Wire, dev: Deviation, creds: Credentials
                    ) -> tuple[str, bytes, dict[str, str]] | None:
        auth = parse_tc3_authorization(wire.headers["authorization"])
        scope = auth.get("Credential", "").split("/")
        stamp = wire.headers.get("x-tc-timestamp", "")
        if wire.json is None or len(scope) != 4 or scope[0] != creds.secret_id or \
                not stamp.isdigit():
            self._count(unsigned=1)
            return None
        service, signed = scope[2], auth.get("SignedHeaders", "").split(";")
        key, timestamp = creds.secret_key.reveal(), int(stamp)

        def sign(payload: bytes) -> str:
            canonical = tc3_canonical_request(wire.method, wire.path.split("?")[0], wire.query,
                                              wire.headers, signed, payload)
            return tc3_signature(key, timestamp, service,
                                 tc3_string_to_sign(timestamp, service, canonical))

        if not hmac.compare_digest(sign(wire.body), auth.get("Signature", "")):
            self._count(unsigned=1)
            return None
        body = dict(wire.json)
        if not apply_json_request(body, dev.op, dev.params):
            return None
        payload = json.dumps(body).encode("utf-8")
        return wire.query, payload, {"Authorization": tc3_authorization(
            creds.secret_id, timestamp, service, signed, sign(payload))}


def _merge(headers: list[tuple[str, str]], replace: dict[str, str]) -> list[tuple[str, str]]:
    lowered = {k.lower() for k in replace}
    return [*[(k, v) for k, v in headers if k.lower() not in lowered], *replace.items()]


def create_app(proxy: DeviationProxy) -> Starlette:
    """The ASGI app: every path and method goes to :meth:`DeviationProxy.handle`."""
    return forwarding_app(proxy)


class DeviationServer(ThreadServer):
    """A :class:`DeviationProxy` served on a loopback port in a daemon thread."""

    def __init__(self, proxy: DeviationProxy, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_app(proxy), host, port, name="deviation-proxy")
        self.proxy = proxy
