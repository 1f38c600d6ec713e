"""Run the app under uvicorn, and stop it gracefully on SIGTERM/SIGINT.

Shutdown order: stop accepting connections, tell every session ``bye`` and let the runs
under way finish (bounded by ``ServerOptions.shutdown_grace_s``), close the sockets, then
let uvicorn finish. The caller closes the household afterwards (nothing stored is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .context import ServerContext

log = logging.getLogger(__name__)

SEND_BUFFER_BYTES = 64 * 1024
"""Each connection's kernel send buffer. Reply audio is paced at real time, so a small one is
plenty, and a client that stops reading fills it (and then its outbox) in seconds, not minutes."""


def bind(host: str, port: int, *, send_buffer: int = SEND_BUFFER_BYTES) -> socket.socket:
    """The listening socket (``port`` 0: any free port); accepted sockets inherit its buffer size."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted sockets only when the protocol says
    # TCP (with 0, Nagle and delayed ACKs held each event after the first ~40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: :func:`serve` drains the sessions first."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop_accepting(self) -> None:
        for server in getattr(self, "servers", []):
            server.close()


def make_server(app: Starlette, *, log_level: str = "warning") -> Server:
    config = uvicorn.Config(
        app,
        ws="websockets-sansio",
        lifespan="on",
        log_level=log_level,
        ws_max_size=1024 * 1024,
        timeout_graceful_shutdown=5,
    )
    return Server(config)


def port_of(server: Server) -> int:
    return int(server.servers[0].sockets[0].getsockname()[1])


async def serve(
    app: Starlette,
    host: str,
    port: int,
    *,
    on_started: Callable[[int], None] | None = None,
    after_start: Coroutine[Any, Any, None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully. ``after_start`` runs once the
    socket listens (loading the engines while ``/readyz`` says 503); if it fails, the server
    stops and its error is raised."""
    ctx: ServerContext = app.state.hark
    server = make_server(app, log_level=log_level)
    sock = bind(host, port)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    async def stop() -> None:
        server.stop_accepting()
        await ctx.drain()
        server.should_exit = True

    def on_signal(sig: signal.Signals) -> None:
        if stopping:
            server.force_exit = True  # a second signal: stop now
            return
        log.info("%s: shutting down", sig.name)
        stopping.append(asyncio.create_task(stop(), name="graceful-shutdown"))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
    starting: asyncio.Task[None] | None = None

    def started_or_failed(done: asyncio.Task[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            server.should_exit = True

    try:
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn sets a flag, no event
            await asyncio.sleep(0.05)
        if server.started and on_started is not None:
            on_started(port_of(server))
        if after_start is not None:
            starting = asyncio.create_task(after_start, name="after-start")
            starting.add_done_callback(started_or_failed)
            after_start = None
        await task
    finally:
        if after_start is not None:
            after_start.close()  # never started
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        for pending in stopping:
            await pending
        sock.close()
        if starting is not None:
            if not starting.done():
                starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting  # its error, if it failed, is raised here
