"""The Starlette application: the WebSocket voice endpoint, the HTTP API and the web page."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from ..config import Settings
from ..engines.registry import Engines
from ..household import Household
from . import admin, http
from .connection import Connection
from .context import Devices, ServerContext, ServerOptions

STATIC = Path(__file__).parent / "static"


async def voice(ws: WebSocket) -> None:
    await Connection(ws, ws.app.state.hark).serve()


def create_app(
    household: Household,
    engines: Engines,
    devices: Devices,
    settings: Settings,
    *,
    options: ServerOptions | None = None,
    static_dir: Path | None = STATIC,
) -> Starlette:
    """The server over one open household and its loaded engines. ``app.state.hark`` is the
    :class:`ServerContext`; ``await app.state.hark.drain()`` shuts the sessions down gracefully."""
    ctx = ServerContext(household, engines, devices, settings, options or ServerOptions())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await ctx.drain()  # a no-op when the server drained already (hark serve does, before uvicorn stops)

    routes: list[Route | WebSocketRoute | Mount] = [
        WebSocketRoute("/api/ws", voice),
        Route("/api/turn", http.turn, methods=["POST"]),
        Route("/api/pair", http.pair, methods=["POST"]),
        Route("/healthz", http.healthz, methods=["GET"]),
        Route("/readyz", http.readyz, methods=["GET"]),
        *admin.routes(),
    ]
    if static_dir is not None and static_dir.is_dir():
        routes.append(Mount("/", StaticFiles(directory=static_dir, html=True), name="static"))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hark = ctx
    return app
