"""``cmqconform serve``'s control endpoints, for test isolation in a user's own suite.

``GET /_cmqconform/health`` answers ``{"status": "ok", "product": ..., "resets": N}`` once the
server serves; ``POST /_cmqconform/reset`` throws away every account's state (queues, topics,
messages, tasks) by building a fresh emulator with the same options, and answers like health.
Neither needs a signature: they are for a loopback test server, never for a real endpoint.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cmqconform.emulator.asgi import DRAIN_KEY, drainer
from cmqconform.emulator.product import ProductEmulator

PREFIX = "/_cmqconform/"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ControlApp:
    """An ASGI app: the control endpoints, everything else to the current emulator app.

    ``make`` builds (product, app) afresh; the product's backend runs while the server serves
    (this app runs the lifespan itself, so a reset can stop one backend and start the next).
    """

    def __init__(self, make: Callable[[], tuple[ProductEmulator, ASGIApp]]) -> None:
        self._make = make
        self.product, self.app = make()
        self.resets = 0
        self._lock = asyncio.Lock()

    def _status(self) -> dict[str, Any]:
        return {"status": "ok", "product": self.product.product_id, "resets": self.resets}

    async def reset(self) -> None:
        """Replace the emulator by a fresh one: every account's state is gone."""
        async with self._lock:
            product, app = self._make()
            await self.product.backend.aclose()
            await product.backend.start()
            self.product, self.app, self.resets = product, app, self.resets + 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # The server's shutdown drains whichever backend serves by then.
            state = scope.get("state")
            if isinstance(state, MutableMapping):
                state[DRAIN_KEY] = lambda: drainer(self.product.backend)()
            await self._lifespan(receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(PREFIX):
            await self._control(scope, path[len(PREFIX):], send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.product.backend.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.product.backend.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _control(self, scope: Scope, name: str, send: Send) -> None:
        method = scope.get("method", "GET")
        if name == "health" and method == "GET":
            status, body = 200, self._status()
        elif name == "reset" and method == "POST":
            await self.reset()
            status, body = 200, self._status()
        else:
            status, body = 404, {"error": f"no control endpoint {method} {PREFIX}{name}; "
                                          f"known: GET {PREFIX}health, POST {PREFIX}reset"}
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})
