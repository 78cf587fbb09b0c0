"""The ASGI app around a gateway (its paths under every method, the backend's lifespan), and
the thread that serves an ASGI app on a loopback port."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from cmqconform.emulator.product import Lifecycle

#: Every method reaches the gateway, which answers the ones a surface does not take itself.
EVERY_METHOD = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]



def forwarding_app(front: Any) -> Starlette:
    """A proxy's ASGI app: every path and method goes to ``front.handle``; while it runs,
    ``front.client`` is an httpx client (``front.timeout``) adding no header of its own, so a
    request goes upstream as the client sent it."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        async with httpx.AsyncClient(timeout=front.timeout, limits=limits,
                                     follow_redirects=False, trust_env=False) as client:
            client.headers = httpx.Headers()
            front.client = client
            yield
            front.client = None

    return Starlette(routes=[Route("/", front.handle, methods=EVERY_METHOD),
                             Route("/{path:path}", front.handle, methods=EVERY_METHOD)],
                     lifespan=lifespan)

#: The lifespan state key of the callable that ends the backend's waits (long polls answer
#: empty) when the server starts to shut down; :class:`GuardedH11Protocol` calls it.
DRAIN_KEY = "cmqconform.drain"


def drainer(backend: Any) -> Callable[[], None]:
    """``backend.drain`` when it has one (a backend whose requests wait), else a no-op."""
    drain = getattr(backend, "drain", None)
    return drain if callable(drain) else (lambda: None)


def gateway_app(paths: Iterable[str], handle: Callable[[Request], Awaitable[Response]],
                backend: Lifecycle) -> Starlette:
    """A Starlette app sending ``paths`` to ``handle``; ``backend`` runs while it serves."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        await backend.start()
        try:
            yield {DRAIN_KEY: drainer(backend)}
        finally:
            await backend.aclose()

    return Starlette(routes=[Route(path, handle, methods=EVERY_METHOD) for path in paths],
                     lifespan=lifespan)


#: Seconds in-flight requests get to finish when the server stops (long polls are answered
#: at once: the backend is drained first).
GRACE = 3
#: A connection's request head (line and headers) must arrive within this many seconds of
#: connecting or of the previous answer; a slow or silent client is then disconnected.
HEAD_TIMEOUT = 10.0
#: At most this many open connections; more are answered 503 at once and closed. Lowered to
#: leave :data:`FD_RESERVE` descriptors free when the process may open fewer.
MAX_CONNECTIONS = 1000
FD_RESERVE = 64
#: The largest request head h11 buffers (bytes).
MAX_HEAD_BYTES = 16 * 1024
#: Idle seconds before a kept-alive connection is closed.
KEEP_ALIVE = 5
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n"
         b"content-length: 24\r\nconnection: close\r\n\r\ntoo many open connections")


def connection_cap() -> int:
    """:data:`MAX_CONNECTIONS`, or fewer when the descriptor limit would run out first."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft - FD_RESERVE))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with the bounds it lacks: a connection cap answered 503 at
    once (never a failing ``accept``), a time limit on each request head, and a drain of the
    backend's waits when the server shuts down."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Refuse past the cap; otherwise wait for a request head, for a bounded time."""
        super().connection_made(transport)
        if len(self.connections) > connection_cap():
            transport.write(_BUSY)
            transport.close()
            return
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        """The next request head gets the same bound."""
        super().on_response_complete()
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        cycle = self.cycle

        def expire() -> None:
            # No new request began since: a silent or slow client holds a descriptor.
            if self.cycle is cycle and (cycle is None or cycle.response_complete) \
                    and not self.transport.is_closing():
                self.transport.close()

        self.loop.call_later(HEAD_TIMEOUT, expire)

    def shutdown(self) -> None:
        """The server stops: end the backend's waits first (a long poll answers empty)."""
        drain = self.app_state.get(DRAIN_KEY)
        if callable(drain):
            drain()
        super().shutdown()


class RepeatFilter(logging.Filter):
    """Lets the same log line through at most :attr:`most` times per :attr:`window` seconds,
    then notes how many were held back (a flood of "Too many open files" cannot fill a disk)."""

    def __init__(self, most: int = 5, window: float = 10.0) -> None:
        super().__init__()
        self.most, self.window = most, window
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is logged."""
        # The rendered line, not its template: one request line per request always passes.
        key = (record.name, record.getMessage()[:200])
        now = time.monotonic()
        with self._lock:
            start, count = self._seen.get(key, (now, 0))
            if now - start > self.window:
                if count > self.most:
                    record.msg = f"[{count - self.most} like it held back] {record.msg}"
                start, count = now, 0
            self._seen[key] = (start, count + 1)
            if len(self._seen) > 1000:  # bounded: forget the oldest lines
                self._seen.pop(next(iter(self._seen)))
        return count < self.most


#: The loggers a flood can come through: asyncio's accept errors, uvicorn's, the emulator's.
FLOOD_LOGGERS = ("asyncio", "uvicorn.error", "cmqconform.emulator")


def limit_repeated_logs() -> None:
    """Put one :class:`RepeatFilter` on each of :data:`FLOOD_LOGGERS` (once)."""
    for name in FLOOD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in logger.filters):
            logger.addFilter(RepeatFilter())


def guarded_options() -> dict[str, Any]:
    """The uvicorn options every server of the project runs with (see the constants above)."""
    limit_repeated_logs()
    return {"http": GuardedH11Protocol, "limit_concurrency": connection_cap() + 1,
            "timeout_keep_alive": KEEP_ALIVE, "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
            "timeout_graceful_shutdown": GRACE}
#: How long start() waits for the server to listen, and stop() for it to finish.
STARTUP_TIMEOUT = 15.0


class ThreadServer:
    """An ASGI app on ``host:port`` in a daemon thread (the embedded emulator, the proxy, tests,
    benchmarks); ``port=0`` picks a free port. A context manager yielding the base URL."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *,
                 log_level: str = "warning", name: str = "asgi") -> None:
        self.host = host
        self.name = name
        self._app = app
        self._config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                                      access_log=False, lifespan="on", log_config=None,
                                      **guarded_options())
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url if self.port else 'stopped'})"

    @property
    def base_url(self) -> str:
        """``http://host:port`` once started."""
        if self.port is None:
            raise RuntimeError(f"the {self.name} server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def app(self) -> Any:
        """The ASGI app (for in-process transports)."""
        return self._app

    def start(self) -> str:
        """Start serving in a background thread; returns the base URL once it listens."""
        if self._thread is not None:
            return self.base_url
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._config.port))
        self.port = int(sock.getsockname()[1])
        # uvicorn installs no signal handlers off the main thread: the host keeps its own.
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve([sock])),
                                        name=f"cmqconform-{self.name}-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the {self.name} server failed to start; see the log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} server did not listen within "
                                   f"{STARTUP_TIMEOUT} s")
            time.sleep(0.01)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and wait for the thread to finish."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(STARTUP_TIMEOUT)
        self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
