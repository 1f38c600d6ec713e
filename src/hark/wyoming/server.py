"""Hark's Wyoming endpoints: ``hark serve --wyoming URI`` (``tcp://HOST:PORT``, ``unix://PATH``,
``stdio://``), each served by ``wyoming.server.AsyncServer`` with one
:class:`~.connection.WyomingConnection` per peer, beside the HTTP server and over the same
household and engines (:class:`~hark.server.context.ServerContext`). With ``zeroconf``, each TCP
endpoint is announced as ``_wyoming._tcp`` for Home Assistant to discover. ``satellites``: the
URIs of Wyoming satellites (``wyoming-satellite``) that Hark drives the way Home Assistant does,
connecting to them (see :mod:`.satellite`).

``stdio://`` is not run with ``AsyncStdioServer.run``: that installs its own SIGTERM handler over
the server's graceful shutdown; the connection reads and writes the package's own stdin/stdout
streams instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence
from urllib.parse import urlparse

from wyoming.event import async_get_stdin, async_get_stdout
from wyoming.server import AsyncServer, AsyncTcpServer

from ..errors import ConfigError
from ..server.context import ServerContext
from .connection import WyomingConnection
from .handle import Conversations

log = logging.getLogger(__name__)

ZEROCONF_TYPE = "_wyoming._tcp.local."


def check_uri(uri: str) -> str:
    """``uri`` if Hark can serve Wyoming on it, else a :class:`ConfigError` that says why."""
    parsed = urlparse(uri)
    if parsed.scheme == "stdio":
        return uri
    try:
        AsyncServer.from_uri(uri)
    except ValueError as exc:
        raise ConfigError(f"--wyoming {uri}: {exc}") from exc
    return uri


class WyomingService:
    def __init__(
        self,
        ctx: ServerContext,
        uris: Sequence[str],
        *,
        zeroconf: bool = False,
        zeroconf_name: str | None = None,
        satellites: Sequence[str] = (),
        conversations: Conversations | None = None,
    ) -> None:
        self.ctx = ctx
        self.uris = [check_uri(u) for u in uris]
        self.zeroconf = zeroconf
        self.zeroconf_name = zeroconf_name or f"hark-{socket.gethostname()}"
        self.satellite_uris = list(satellites)
        self.conversations = conversations or Conversations(ctx.household)
        self.servers: list[AsyncServer] = []
        self.connections: set[WyomingConnection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self._zeroconf: object | None = None
        self._satellites: list[object] = []

    @property
    def home_control(self) -> bool:
        return self.ctx.household.smarthome is not None

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            for uri in self.uris:
                if urlparse(uri).scheme == "stdio":
                    reader, writer = await async_get_stdin(), await async_get_stdout()
                    self._track(WyomingConnection(reader, writer, self))
                    continue
                server = AsyncServer.from_uri(uri)
                try:
                    await server.start(self._connection)
                except OSError as exc:
                    raise ConfigError(f"--wyoming {uri}: {exc.strerror or exc}") from exc
                self.servers.append(server)
            if self.zeroconf:
                await self._announce()
            if self.satellite_uris:
                from .satellite import SatelliteClient

                for uri in self.satellite_uris:
                    client = SatelliteClient(self, uri)
                    client.start()
                    self._satellites.append(client)
        except BaseException:
            await self.stop()
            raise

    def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> WyomingConnection:
        """The handler factory ``AsyncServer`` calls per peer (it runs ``handler.run()`` as a task)."""
        return WyomingConnection(reader, writer, self)

    def _track(self, connection: WyomingConnection) -> None:
        self.tasks.add(asyncio.create_task(connection.run(), name=f"wyoming-{connection.id}"))

    def addresses(self) -> list[str]:
        """Where each endpoint listens, with the port a ``:0`` got."""
        out: list[str] = []
        for server in self.servers:
            listening = getattr(server, "_server", None)  # AsyncTcpServer/AsyncUnixServer keep their asyncio server
            if isinstance(server, AsyncTcpServer) and listening is not None:
                host, port = listening.sockets[0].getsockname()[:2]
                out.append(f"tcp://{host}:{port}")
            else:
                out.append(f"unix://{getattr(server, 'socket_path', '')}")
        return out

    def peer_name(self, connection: WyomingConnection) -> str:
        """The device id of a peer that runs pipelines on an incoming connection."""
        peer = connection.writer.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else "local"
        return f"wyoming-{host}"

    async def stop(self, grace_s: float | None = None) -> None:
        """Stop listening, end every connection (runs under way get ``grace_s``, by default the
        server's ``shutdown_grace_s``), forget zeroconf."""
        grace_s = self.ctx.options.shutdown_grace_s if grace_s is None else grace_s
        for client in self._satellites:
            await client.aclose()  # type: ignore[attr-defined]
        self._satellites.clear()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await server.stop()
        self.servers.clear()
        for connection in list(self.connections):
            await connection.stop()
        pending = set(self.tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        await self._unannounce()

    # -- zeroconf ------------------------------------------------------------------------------------------
    async def _announce(self) -> None:
        from wyoming.zeroconf import MDNS_TARGET_IP
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        tcp = [a for a in self.addresses() if a.startswith("tcp://")]
        if not tcp:
            raise ConfigError("--wyoming-zeroconf needs a --wyoming tcp://HOST:PORT endpoint")
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.setblocking(False)
            probe.connect((MDNS_TARGET_IP, 1))  # no packet is sent: this picks the interface mDNS uses
            address = probe.getsockname()[0]
        finally:
            probe.close()
        zc = AsyncZeroconf()
        self._zeroconf = zc
        for i, uri in enumerate(tcp):
            port = urlparse(uri).port
            name = self.zeroconf_name if i == 0 else f"{self.zeroconf_name}-{port}"
            info = AsyncServiceInfo(
                ZEROCONF_TYPE, f"{name}.{ZEROCONF_TYPE}", addresses=[socket.inet_aton(address)], port=port
            )
            await zc.async_register_service(info)
            log.info("zeroconf: %s on %s:%s", name, address, port)

    async def _unannounce(self) -> None:
        zc, self._zeroconf = self._zeroconf, None
        if zc is not None:
            with contextlib.suppress(Exception):
                await zc.async_close()  # type: ignore[attr-defined]
