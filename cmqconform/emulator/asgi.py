"""The ASGI app around a gateway: its paths under every method, the backend's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

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
