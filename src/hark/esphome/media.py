"""Reply audio at a URL, for ESPHome devices that fetch it (a media player: Voice PE, Linux
Voice Assistant). Home Assistant hands such a device a URL in ``tts-end``; so does Hark.

A :class:`ReplyStream` is one reply's audio as 16-bit mono WAV. It can be fetched while
it is still being synthesised: the response then streams (a WAV header with an open
length, then the PCM as it is made), so the device starts playing the first clause
while the next is synthesised. :class:`MediaHost` is a small HTTP server
(``GET /esphome/<token>.wav`` only) that keeps the latest replies for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import struct
from collections import OrderedDict
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)

KEEP_STREAMS = 64
"""Replies kept fetchable (the oldest is forgotten first)."""
REQUEST_TIMEOUT_S = 10.0
MAX_REQUEST_BYTES = 8192
OPEN_LENGTH = 0xFFFFFFFF


def wav_header(rate: int, data_bytes: int | None) -> bytes:
    """A 44-byte PCM WAV header; ``None``: length not known yet (a stream)."""
    data = OPEN_LENGTH if data_bytes is None else data_bytes
    riff = OPEN_LENGTH if data_bytes is None else 36 + data_bytes
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data)
    )


class ReplyStream:
    """One reply's PCM (16-bit mono at ``rate``), written as it is made, readable while written."""

    def __init__(self, token: str, rate: int) -> None:
        self.token = token
        self.rate = rate
        self._parts: list[bytes] = []
        self._size = 0
        self.closed = False
        self._changed = asyncio.Event()

    @property
    def seconds(self) -> float:
        return self._size / 2 / self.rate

    def write(self, pcm: bytes) -> None:
        if self.closed or not pcm:
            return
        self._parts.append(pcm)
        self._size += len(pcm)
        self._changed.set()

    def close(self) -> None:
        self.closed = True
        self._changed.set()

    def data(self) -> bytes:
        return b"".join(self._parts)

    async def read(self) -> AsyncIterator[bytes]:
        """Everything written, then what is written next, until closed."""
        sent = 0
        while True:
            while sent < len(self._parts):
                sent += 1
                yield self._parts[sent - 1]
            if self.closed:
                return
            self._changed.clear()
            await self._changed.wait()


class MediaHost:
    """Serves reply streams over HTTP. ``await start()``, ``url(stream)``, ``await aclose()``.

    :param host: address to listen on (``0.0.0.0`` so devices on the network reach it).
    :param public_host: the address devices are told; default: the address of this machine
        that routes to each device (see :func:`local_address_for`).
    """

    def __init__(self, host: str = "0.0.0.0", port: int = 0, *, public_host: str | None = None) -> None:
        self.host = host
        self.port = port
        self.public_host = public_host
        self._streams: OrderedDict[str, ReplyStream] = OrderedDict()
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.fetches = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        for stream in self._streams.values():
            stream.close()

    def new_stream(self, rate: int) -> ReplyStream:
        stream = ReplyStream(secrets.token_urlsafe(12), rate)
        self._streams[stream.token] = stream
        while len(self._streams) > KEEP_STREAMS:
            _, old = self._streams.popitem(last=False)
            old.close()
        return stream

    def url(self, stream: ReplyStream, device_address: str) -> str:
        public = self.public_host or local_address_for(device_address)
        shown = f"[{public}]" if ":" in public else public
        return f"http://{shown}:{self.port}/esphome/{stream.token}.wav"

    def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._respond(reader, writer), name="esphome-media")
        self._clients.add(task)
        task.add_done_callback(self._clients.discard)

    async def _respond(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT_S):
                    head = await reader.readuntil(b"\r\n\r\n")
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            if len(head) > MAX_REQUEST_BYTES:
                return await _status(writer, 431, "Request Header Fields Too Large")
            method, _, rest = head.decode("latin-1").partition(" ")
            path = rest.partition(" ")[0]
            if method not in ("GET", "HEAD"):
                return await _status(writer, 405, "Method Not Allowed")
            token = path.removeprefix("/esphome/").removesuffix(".wav")
            stream = self._streams.get(token) if path.startswith("/esphome/") and path.endswith(".wav") else None
            if stream is None:
                return await _status(writer, 404, "Not Found")
            self.fetches += 1
            size = len(stream.data()) if stream.closed else None
            length = f"Content-Length: {44 + size}\r\n" if size is not None else ""
            writer.write(
                f"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\n{length}Cache-Control: no-store\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            if method == "HEAD":
                return await writer.drain()
            writer.write(wav_header(stream.rate, size))
            async for part in stream.read():
                writer.write(part)
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


async def _status(writer: asyncio.StreamWriter, code: int, reason: str) -> None:
    writer.write(f"HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()


def local_address_for(device_address: str) -> str:
    """The address of this machine on the route to ``device_address`` (an IP address: the
    one the API connection reached). No packet is sent: a UDP socket is only connected,
    which picks the route."""
    with contextlib.suppress(OSError):
        family = socket.AF_INET6 if ":" in device_address else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((device_address, 9))
            return str(probe.getsockname()[0])
    return "127.0.0.1"
