"""The ASGI app around a gateway (its paths under every method, the backend's lifespan), and
the thread that serves an ASGI app on a loopback port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cmqconform.emulator.product import Lifecycle

#: Every method reaches the gateway, which answers the ones a surface does not take itself.
EVERY_METHOD = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def gateway_app(paths: Iterable[str], handle: Callable[[Request], Awaitable[Response]],
                backend: Lifecycle) -> Starlette:
    """A Starlette app sending ``paths`` to ``handle``; ``backend`` runs while it serves."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await backend.start()
        try:
            yield
        finally:
            await backend.aclose()

    return Starlette(routes=[Route(path, handle, methods=EVERY_METHOD) for path in paths],
                     lifespan=lifespan)


#: Seconds in-flight requests (long polls) get to finish when the server stops.
GRACE = 3
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
                                      timeout_graceful_shutdown=GRACE)
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
