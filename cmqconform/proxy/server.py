"""The proxy itself: forward each request untouched, answer with the upstream's answer, judge.

**Host and signatures.** The request goes upstream byte for byte: same method, path, query,
body and headers — the ``Host`` header included, as the client sent it. A client points at the
proxy and signs the proxy's host (``127.0.0.1:8080``); the upstream checks its signature against
the ``Host`` it receives, which is that same value, so the signature stays valid. An upstream
that insists on its own host name (a real cloud endpoint) needs the client to sign that name:
give the SDK the real endpoint as its host and the proxy as its HTTP proxy or resolve the name to
the proxy — the ``Host`` the client signed is the one forwarded. Only hop-by-hop headers
(``Connection``, ``Transfer-Encoding``...) are dropped; the body is forwarded with its length.

**Upstream faults.** Down (connection refused) and reset answer HTTP 502, no answer within
``timeout`` answers 504, in the error shape of the dialect the request spoke (the surface's
envelope facts and its ``internal_error`` condition); the exchange is recorded as an ``error``,
never as a violation.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from cmqconform.dialects.redaction import env_secrets
from cmqconform.emulator.asgi import ThreadServer, forwarding_app
from cmqconform.proxy.exchange import HOP_BY_HOP, Recorded, redact_pairs, redacted
from cmqconform.proxy.judge import Judge, Judgement, case_id
from cmqconform.results import now_iso
from cmqconform.verdicts import Verdict

#: Response headers the proxy sets itself (the body is re-sent decoded, with its own length).
_RESPONSE_OWN = HOP_BY_HOP | {"content-length", "content-encoding"}


def error_answer(judge: Judge, surface: str | None, status: int,
                 message: str) -> tuple[dict[str, Any], int]:
    """A body in the error shape of ``surface``'s dialect, and the HTTP status to send it with."""
    if surface is None:
        return {"error": message}, status
    api = judge.apis[surface]
    shape = api.facts.envelope
    condition = api.conditions.get("internal_error")
    code: Any = condition.accept[0].code if condition else str(status)
    request_id = str(uuid.uuid4())
    if "error" in shape:
        error: dict[str, Any] = {shape["error"]: {shape["code"]: code, shape["message"]: message}}
        if "request_id" in shape:
            error[shape["request_id"]] = request_id
        return ({shape["wrapper"]: error} if "wrapper" in shape else error), status
    body: dict[str, Any] = {shape.get("code", "code"): code if condition else str(status),
                            shape.get("message", "message"): message}
    if "request_id" in shape:
        body[shape["request_id"]] = request_id
    return body, status


class Proxy:
    """The forwarding and judging ASGI handler."""

    def __init__(self, upstream: str, judge: Judge, sink: Callable[[Judgement], None], *,
                 timeout: float = 60.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.judge = judge
        self.sink = sink
        self.timeout = timeout
        self.secrets = env_secrets()
        self._seq = 0
        self._lock = threading.Lock()
        self.client: httpx.AsyncClient | None = None

    def _next(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    async def handle(self, request: Request) -> Response:
        """Forward one request, judge the exchange, answer the client."""
        started = time.perf_counter()
        body = await request.body()
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1")
        query = request.scope.get("query_string", b"").decode("latin-1")
        pairs = [(k.decode("latin-1"), v.decode("latin-1"))
                 for k, v in request.scope["headers"]]
        seq = self._next()
        head = redacted(seq, request.method, path, query, pairs, body, secrets=self.secrets,
                        at=now_iso())
        forward = [(k, v) for k, v in pairs
                   if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        url = self.upstream + path + (f"?{query}" if query else "")
        fault = status = None
        try:
            assert self.client is not None
            upstream = await self.client.request(request.method, url, headers=forward,
                                                 content=body)
        except httpx.TimeoutException as exc:
            fault, status = f"upstream timeout: {type(exc).__name__}", 504
        except httpx.ConnectError as exc:
            fault, status = f"upstream down: {exc}", 502
        except (httpx.TransportError, httpx.DecodingError) as exc:
            fault, status = f"upstream reset: {type(exc).__name__}: {exc}", 502
        elapsed = time.perf_counter() - started
        if fault is not None:
            assert status is not None
            recorded = _with(head, fault=fault, duration=elapsed)
            answer, status = error_answer(self.judge, self.judge.surface_for(recorded), status,
                                          f"the proxy's upstream gave no answer: {fault}")
            self._judge(recorded)
            return Response(json.dumps(answer).encode(), status, media_type="application/json")
        headers = [(k, v) for k, v in upstream.headers.multi_items()
                   if k.lower() not in _RESPONSE_OWN]
        recorded = _with(head, status=upstream.status_code,
                         response_headers=redact_pairs(headers, self.secrets),
                         response_body=upstream.content, duration=elapsed)
        self._judge(recorded)
        response = Response(upstream.content, upstream.status_code)
        response.raw_headers = [
            *[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            (b"content-length", str(len(upstream.content)).encode()),
        ]
        return response

    def _judge(self, recorded: Recorded) -> None:
        try:
            judgement = self.judge.judge(recorded)
        except Exception as exc:  # a judge bug must never cost the client its answer
            why = f"the proxy could not judge this exchange: {type(exc).__name__}: {exc}"
            verdict = Verdict(case_id(recorded, None, None), "error", (), "-", "-", why,
                              case_kind="proxy")
            judgement = Judgement(recorded, None, None, (), why, (), verdict)
        self.sink(judgement)


def _with(head: Recorded, **changes: Any) -> Recorded:
    return replace(head, **changes)


def create_proxy_app(proxy: Proxy) -> Starlette:
    """The ASGI app: every path and method goes to :meth:`Proxy.handle`."""
    return forwarding_app(proxy)


class ProxyServer(ThreadServer):
    """A :class:`Proxy` served in a daemon thread."""

    def __init__(self, proxy: Proxy, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_proxy_app(proxy), host, port, name="proxy")
