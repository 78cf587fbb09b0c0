"""A loopback HTTP/1.1 proxy that forwards to an upstream and spoils every Nth answer.

The fault harness of the project (issue 18): the suite runs against it as against any target
(`cmqconform run --target http://127.0.0.1:PORT`) while it answers one request in ``every``
with one kind of fault. Requests go upstream untouched, Host header included, so signatures
stay valid. One connection carries one request (``Connection: close``). The error answers it
forges (throttled, an internal error quoting the request) take their codes and shape from the
specs of the surface whose path the request names; nothing here names a product.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from cmqconform.models import SpecSet

#: Every kind of fault. ``hang`` holds the connection for ``hang_seconds`` and then drops it
#: unanswered (a short hang: a long one only costs the client's full timeout).
KINDS = ("reset", "html500", "garbage", "truncated", "hang", "throttle", "echo", "separator")
#: Kinds that are a network or server fault (the suite must make each an ``error``); ``echo``
#: and ``separator`` are internal-error answers whose text must neither leak nor drop a case.
TRANSPORT_KINDS = ("reset", "html500", "garbage", "truncated", "hang", "throttle")


def _answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


def error_body(specs: SpecSet, api: str, condition: str, message: str) -> bytes:
    """An error answer of ``api`` for ``condition`` (its first accepted code), shaped by the
    surface's envelope facts."""
    spec = specs.api(api)
    shape = spec.facts.envelope
    ref = spec.conditions[condition].accept[0]
    # A module code travels at the head of the message, "(10250) ..." (cmq-api.txt:4639).
    text = f"({ref.module}) {message}" if ref.module is not None else message
    code: Any = int(ref.code) if str(ref.code).isdigit() else str(ref.code)
    if "error" in shape:
        inner: dict[str, Any] = {shape["error"]: {shape["code"]: code, shape["message"]: text}}
        if "request_id" in shape:
            inner[shape["request_id"]] = "fault"
        doc: dict[str, Any] = {shape["wrapper"]: inner} if "wrapper" in shape else inner
    else:
        doc = {shape.get("code", "code"): code, shape.get("message", "message"): text}
        if "request_id" in shape:
            doc[shape["request_id"]] = "fault"
    return json.dumps(doc, ensure_ascii=False).encode()


class FaultInjector:
    """Forwards to ``upstream`` (serving ``apis`` of ``specs``); answers request number
    ``every``, ``2 * every``... with the next of ``kinds`` (each one of :data:`KINDS`, in turn)
    instead of the upstream's answer."""

    def __init__(self, upstream: str, kinds: tuple[str, ...], every: int = 10, *,
                 specs: SpecSet, apis: Sequence[str], hang_seconds: float = 2.0) -> None:
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise ValueError(f"kinds {unknown or kinds!r}: each is one of {', '.join(KINDS)}")
        self.upstream, self.kinds, self.every = upstream.rstrip("/"), kinds, every
        self.specs, self.hang_seconds = specs, hang_seconds
        # The surface a request is for: by its path, the longest first ("/" last).
        self._by_path = sorted(((specs.api(a).facts.path, a) for a in apis),
                               key=lambda pair: -len(pair[0]))
        self.count = itertools.count(1)
        #: How many answers each kind spoiled.
        self.spoiled = dict.fromkeys(kinds, 0)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        """Where the suite sends its requests."""
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._client = httpx.AsyncClient(timeout=30)
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()
        # Connections still open when the loop stopped: close them before the loop goes.
        self._loop.run_until_complete(self._server.wait_closed())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = [tuple(part.strip() for part in line.split(":", 1))
                       for line in lines[1:] if ":" in line]
            length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
            body = await reader.readexactly(length) if length else b""
            number = next(self.count)
            kind = self.kinds[(number // self.every - 1) % len(self.kinds)] \
                if number % self.every == 0 else None
            if kind in ("reset", "hang"):
                self.spoiled[kind] += 1
                if kind == "hang":
                    await asyncio.sleep(self.hang_seconds)
                writer.transport.abort()
                return
            writer.write(await self._respond(method, target, headers, body, head, kind))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _respond(self, method: str, target: str, headers: list[tuple[str, ...]],
                       body: bytes, head: bytes, kind: str | None) -> bytes:
        path = target.split("?", 1)[0]
        api = next((a for p, a in self._by_path if path == p or path.startswith(p.rstrip("/")
                                                                                 + "/")),
                   self._by_path[-1][1])
        if kind in ("html500", "garbage", "throttle", "echo", "separator"):
            self.spoiled[kind] += 1
            if kind == "html500":
                return _answer(500, b"<html><body><h1>500 Internal Server Error</h1></body>"
                                    b"</html>", "text/html")
            if kind == "garbage":
                return _answer(200, b"\x00\xff\xfegarbage{\"Response\"")
            if kind == "throttle":
                return _answer(200, error_body(self.specs, api, "rate_limited",
                                               "The request frequency is too high."))
            if kind == "echo":
                # A target that quotes the whole request back, signature and all.
                return _answer(200, error_body(self.specs, api, "internal_error",
                                               (head + body).decode("utf-8", "replace")))
            if kind == "separator":
                return _answer(200, error_body(self.specs, api, "internal_error",
                                               "broken\u2028line\u2029and\u0085more"))
        kept = {k: v for k, v in headers if k.lower() not in ("connection", "content-length")}
        got = await self._client.request(method, self.upstream + target, headers=kept,
                                         content=body)
        answer = got.content
        if kind == "truncated":
            self.spoiled[kind] += 1
            answer = answer[: len(answer) // 2]
        return _answer(got.status_code, answer, got.headers.get("content-type", "text/plain"))

    def start(self) -> FaultInjector:
        """Start serving (in a thread of its own)."""
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        """Stop serving."""
        async def shutdown() -> None:
            self._server.close()
            await self._client.aclose()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()  # its self-pipe sockets too


@contextmanager
def injecting(upstream: str, kinds: tuple[str, ...], every: int = 10, *, specs: SpecSet,
              apis: Sequence[str], hang_seconds: float = 2.0) -> Iterator[FaultInjector]:
    """A running :class:`FaultInjector`, stopped on exit."""
    injector = FaultInjector(upstream, kinds, every, specs=specs, apis=apis,
                             hang_seconds=hang_seconds).start()
    try:
        yield injector
    finally:
        injector.stop()
