"""A small async client of the Hark server (protocol v1, see docs/protocol.md).

    async with await connect("ws://127.0.0.1:8765/api/ws", token) as session:
        turn = await session.ask_text("what time is it")
        turn = await session.ask_audio(samples)          # 16 kHz int16, streamed in real time
        turns = await session.listen(samples)            # hands-free: the server hears the wake word

Each call returns what the server sent for it: the turn summaries, every event, the reply
audio (PCM s16le at ``rate``) and the order in which message types arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import websockets
from websockets.asyncio.client import ClientConnection

from .errors import HarkError
from .server.errors import UNKNOWN_TYPE, ProtocolError
from .server.messages import (
    PROTOCOL_VERSION,
    AudioClear,
    AudioStart,
    Bye,
    Done,
    ErrorMessage,
    EventMessage,
    Hello,
    Message,
    Ready,
    TurnMessage,
    decode_server,
    encode,
)

FRAME_MS = 80
RATE = 16000


class ClientError(HarkError):
    """The server refused (``code`` is its error code) or the connection broke."""

    code = "client-error"


@dataclasses.dataclass
class ReplyAudio:
    rate: int
    pcm: bytearray = dataclasses.field(default_factory=bytearray)
    cleared: bool = False

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate

    def samples(self) -> npt.NDArray[np.int16]:
        return np.frombuffer(bytes(self.pcm), dtype="<i2").astype(np.int16)


@dataclasses.dataclass
class RunResult:
    """What the server sent during one run (``start`` ... ``done``)."""

    turns: list[TurnMessage] = dataclasses.field(default_factory=list)
    events: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    audio: list[ReplyAudio] = dataclasses.field(default_factory=list)
    errors: list[ErrorMessage] = dataclasses.field(default_factory=list)
    order: list[str] = dataclasses.field(default_factory=list)
    """Message types in arrival order (``audio`` for a binary frame)."""
    first_audio_t: float | None = None
    """monotonic time the first reply audio frame arrived."""
    done: bool = False

    @property
    def turn(self) -> TurnMessage:
        if not self.turns:
            codes = ", ".join(e.code for e in self.errors) or "none"
            raise ClientError(f"the run ended without a turn (errors: {codes})")
        return self.turns[-1]

    @property
    def transcript(self) -> str | None:
        return self.turn.transcript

    @property
    def reply(self) -> str | None:
        return self.turn.reply

    @property
    def audio_seconds(self) -> float:
        return sum(a.seconds for a in self.audio)


class Session:
    def __init__(self, ws: ClientConnection, ready: Ready, on_message: Callable[[Message | bytes], None] | None):
        self.ws = ws
        self.ready = ready
        self.session_id = ready.session_id
        self.device_id = ready.device_id
        self.on_message = on_message
        self._queue: asyncio.Queue[Message | bytes | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read(), name=f"client-reader-{ready.session_id}")
        self.bye = False

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                item = frame if isinstance(frame, bytes) else _decode(frame)
                if item is None:
                    continue  # a message type this client does not know: ignored (protocol.md, versioning)
                if isinstance(item, Bye):
                    self.bye = True
                self._queue.put_nowait(item)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._queue.put_nowait(None)

    async def send(self, message: Message) -> None:
        await self.ws.send(json.dumps(encode(message)))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def next(self) -> Message | bytes | None:
        """The next thing the server sent (None: the connection closed)."""
        return await self._queue.get()

    async def _collect(self, result: RunResult) -> RunResult:
        current: ReplyAudio | None = None
        while True:
            item = await self._queue.get()
            if item is None:
                raise ClientError(f"the server closed the connection ({self.ws.close_code})")
            if self.on_message is not None:
                self.on_message(item)
            if isinstance(item, bytes):
                result.order.append("audio")
                if current is None:
                    raise ClientError("reply audio without audio-start")
                if result.first_audio_t is None:
                    result.first_audio_t = time.monotonic()
                current.pcm += item
                continue
            result.order.append(item.type)
            if isinstance(item, AudioStart):
                current = ReplyAudio(item.rate)
                result.audio.append(current)
            elif isinstance(item, AudioClear):
                if current is not None:
                    current.cleared = True
            elif isinstance(item, EventMessage):
                result.events.append(item.event)
            elif isinstance(item, TurnMessage):
                result.turns.append(item)
            elif isinstance(item, ErrorMessage):
                result.errors.append(item)
                if item.fatal:
                    raise ClientError(item.message, code=item.code)
            elif isinstance(item, Done):
                result.done = True
                return result

    async def _run(self, start: dict[str, Any], audio: AsyncIterator[bytes] | None = None) -> RunResult:
        await self.ws.send(json.dumps({"type": "start", **start}))
        result = RunResult()
        sender = asyncio.create_task(self._send_audio(audio), name="client-audio") if audio is not None else None
        try:
            return await self._collect(result)
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                    await sender

    async def _send_audio(self, audio: AsyncIterator[bytes]) -> None:
        async for frame in audio:
            await self.ws.send(frame)
        await self.ws.send(json.dumps({"type": "audio-end"}))

    async def ask_text(self, text: str, *, speak: bool = True) -> RunResult:
        return await self._run({"start_stage": "brain", "end_stage": "tts" if speak else "brain", "text": text})

    async def ask_audio(
        self, samples: npt.NDArray[np.int16], *, realtime: bool = True, speak: bool = True
    ) -> RunResult:
        """One spoken request (the device heard its own wake word): the server ends it by its own
        end-of-turn detection, or when the stream ends."""
        start = {"start_stage": "stt", "end_stage": "tts" if speak else "brain", "audio": {"format": "pcm_s16le"}}
        return await self._run(start, pcm_frames(samples, realtime=realtime))

    async def listen(self, samples: npt.NDArray[np.int16], *, realtime: bool = True, speak: bool = True) -> RunResult:
        """Hands-free: stream ``samples`` (wake word and requests) and collect every turn."""
        start = {"start_stage": "wake", "end_stage": "tts" if speak else "brain", "audio": {"format": "pcm_s16le"}}
        return await self._run(start, pcm_frames(samples, realtime=realtime))

    async def send_webm(self, chunks: list[bytes], *, start_stage: str = "stt") -> RunResult:
        """A browser's WebM/Opus stream, as MediaRecorder chunks."""

        async def frames() -> AsyncIterator[bytes]:
            for c in chunks:
                yield c

        start = {"start_stage": start_stage, "audio": {"format": "webm-opus"}}
        return await self._run(start, frames())

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _decode(frame: str) -> Message | None:
    try:
        return decode_server(json.loads(frame), lenient=True)
    except ProtocolError as exc:
        if exc.code == UNKNOWN_TYPE:
            return None
        raise


async def pcm_frames(samples: npt.NDArray[np.int16], *, realtime: bool = True) -> AsyncIterator[bytes]:
    """``samples`` as 80 ms PCM frames; ``realtime``: paced as a microphone would send them."""
    data = np.asarray(samples, dtype=np.int16).astype("<i2").tobytes()
    step = RATE * FRAME_MS // 1000 * 2
    t0 = time.monotonic()
    for i in range(0, len(data), step):
        if realtime:
            delay = t0 + i / 2 / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)
        yield data[i : i + step]


async def connect(
    url: str,
    token: str,
    *,
    client: str = "hark-python/1",
    ring_when_idle: bool = True,
    on_message: Callable[[Message | bytes], None] | None = None,
) -> Session:
    """Open a session: ``hello`` with the device token, wait for ``ready``. Raises ClientError
    with the server's code (``auth-refused``...) when refused. ``ring_when_idle``: the server
    may send announcements' audio (a timer ringing) between runs."""
    ws = await websockets.connect(url, max_size=4 * 1024 * 1024)
    try:
        hello = Hello(protocol=PROTOCOL_VERSION, token=token, client=client, ring_when_idle=ring_when_idle)
        await ws.send(json.dumps(encode(hello)))
        try:
            first = _decode(str(await ws.recv()))
        except websockets.ConnectionClosed as exc:
            raise ClientError(f"the server closed the connection ({exc})") from exc
        if isinstance(first, ErrorMessage):
            raise ClientError(first.message, code=first.code)
        if not isinstance(first, Ready):
            raise ClientError(f"expected ready, got {first.type if first is not None else 'an unknown message'}")
    except BaseException:
        await ws.close()
        raise
    return Session(ws, first, on_message)


def http_url(ws_or_http: str) -> str:
    """The server's base http(s) URL from any of its URLs (``ws://host:port/api/ws`` too)."""
    url = ws_or_http.rstrip("/")
    if url.startswith("ws"):
        url = "http" + url[2:]
    return url.removesuffix("/api/ws")


def ws_url(url: str) -> str:
    base = http_url(url)
    return "ws" + base[4:] + "/api/ws"


async def post_turn(url: str, token: str, text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``POST /api/turn``: the events, then the turn (a dict as the server sent it)."""
    import aiohttp

    events: list[dict[str, Any]] = []
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            http_url(url) + "/api/turn", json={"text": text}, headers={"authorization": f"Bearer {token}"}
        ) as resp,
    ):
        if resp.status != 200:
            body = await resp.json(content_type=None)
            raise ClientError(body.get("message", str(resp.status)), code=body.get("code"))
        kind = ""
        async for raw in resp.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                if kind == "turn":
                    return events, data
                if kind == "error":
                    raise ClientError(data.get("message", ""), code=data.get("code"))
                events.append(data)
    raise ClientError("the server ended the stream without a turn")
