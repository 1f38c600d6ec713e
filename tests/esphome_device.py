"""A test ESPHome voice device: the API server side of the ESPHome native API, as Linux Voice
Assistant serves it, speaking the real protocol.

Messages are the classes shipped in ``aioesphomeapi.api_pb2`` with their ids from
``aioesphomeapi.core.MESSAGE_TYPE_TO_PROTO``, framed in plaintext (0x00, varint length,
varint type, payload) with the library's own ``make_plain_text_packets`` (Linux Voice
Assistant does the same); frames from the controller are read here. It answers the
handshake, device info (its voice-assistant feature flags), entity listing and pings;
it records what the controller sends (voice-assistant events, reply audio, timer
events, announcements) and plays the device's part of a run: ask for a run, stream the
microphone (16 kHz s16le, 512 samples a message) until the controller says the speech
ended, then wait for the run's end. A media player fetches every URL it is given.
It can also misbehave on demand (``send_raw``) and go away and come back (``stop``/``start``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from aioesphomeapi import VoiceAssistantEventType, VoiceAssistantFeature
from aioesphomeapi import api_pb2 as _api_pb2
from aioesphomeapi._frame_helper.packets import make_plain_text_packets
from aioesphomeapi.core import MESSAGE_TYPE_TO_PROTO
from google.protobuf import message

api_pb2: Any = _api_pb2
"""The protobuf module (generated, untyped)."""
PROTO_TO_TYPE = {v: k for k, v in MESSAGE_TYPE_TO_PROTO.items()}
E = VoiceAssistantEventType
F = VoiceAssistantFeature
LVA_FEATURES = F.VOICE_ASSISTANT | F.API_AUDIO | F.TIMERS | F.ANNOUNCE | F.START_CONVERSATION
"""What Linux Voice Assistant declares: it plays replies from their URL (mpv)."""
SPEAKER_FEATURES = LVA_FEATURES | F.SPEAKER
"""A device that plays reply audio sent over the API."""
BLOCK = 1024


def frame(msg: message.Message) -> bytes:
    return b"".join(make_plain_text_packets([(PROTO_TO_TYPE[type(msg)], msg.SerializeToString())]))


async def _read_varuint(reader: asyncio.StreamReader) -> int:
    result = shift = 0
    while True:
        byte = (await reader.readexactly(1))[0]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result
        shift += 7
        if shift > 28:
            raise ValueError("varuint too long")


async def fetch(url: str) -> bytes:
    """GET a URL (a media player fetching a reply): the body."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise OSError(head.split(b"\r\n")[0].decode())
        return await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@dataclasses.dataclass
class Run:
    """What the device saw of one run."""

    events: list[tuple[int, dict[str, str]]]
    audio: bytes
    response: Any
    sent_s: float
    """Microphone audio sent before the controller said the speech ended."""
    mic_start_t: float = 0.0
    """When the microphone's first audio was sent (monotonic)."""
    first_audio_t: float | None = None
    """When the first reply audio arrived (monotonic), over the API or from the URL."""

    def kinds(self) -> list[int]:
        return [k for k, _ in self.events]

    def data(self, kind: int) -> dict[str, str]:
        return next(d for k, d in self.events if k == kind)


class EsphomeTestDevice:
    def __init__(self, name: str = "test-satellite", *, features: int = LVA_FEATURES, port: int = 0) -> None:
        self.name = name
        self.features = features
        self.port = port
        self.host = "127.0.0.1"
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self.connections = 0
        self.subscribed = False
        self.subscribe_flags = 0
        self.events: list[tuple[int, dict[str, str]]] = []
        self.responses: list[Any] = []
        self.audio = bytearray()
        self.timer_events: list[tuple[int, str, str, int, int, bool]] = []
        self.announcements: list[tuple[str, str]] = []
        self.fetched: dict[str, bytes] = {}
        self.first_fetch_byte_t: dict[str, float] = {}
        self.first_api_audio_t: float | None = None
        self.acknowledge_announcements = True

    # -- lifecycle -----------------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """The device goes away: its server and its connection close."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self._writer is not None:
            self._writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        self.subscribed = False

    @property
    def connected(self) -> bool:
        return self._writer is not None and self.subscribed

    async def wait_until(self, predicate: Callable[[], Any], timeout_s: float = 60.0) -> Any:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(predicate)
            return predicate()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- the wire --------------------------------------------------------------------------------------
    def send(self, *msgs: message.Message) -> None:
        if self._writer is not None:
            self._writer.write(b"".join(frame(m) for m in msgs))

    def send_raw(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)

    def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._connection(reader, writer), name=f"esphome-device-{self.name}")
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:  # one controller at a time: the newest wins
            self._writer.close()
        self._writer = writer
        self.connections += 1
        try:
            while True:
                if await _read_varuint(reader) != 0:
                    return  # not plaintext (a Noise hello): hang up, as ESPHome does
                length = await _read_varuint(reader)
                kind = await _read_varuint(reader)
                payload = await reader.readexactly(length) if length else b""
                klass = MESSAGE_TYPE_TO_PROTO.get(kind)
                if klass is not None:
                    self._handle(klass.FromString(payload))
                await self._notify()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return
        finally:
            if self._writer is writer:
                self._writer = None
                self.subscribed = False
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            await self._notify()

    def _handle(self, msg: message.Message) -> None:
        p = api_pb2
        if isinstance(msg, p.HelloRequest):
            self.send(
                p.HelloResponse(api_version_major=1, api_version_minor=10, server_info="hark-test", name=self.name)
            )
        elif isinstance(msg, p.AuthenticationRequest):
            self.send(p.AuthenticationResponse())
        elif isinstance(msg, p.DeviceInfoRequest):
            self.send(
                p.DeviceInfoResponse(
                    name=self.name,
                    friendly_name=self.name,
                    mac_address="02:00:00:00:00:01",
                    esphome_version="2025.5.0",
                    model="hark test device",
                    voice_assistant_feature_flags=int(self.features),
                )
            )
        elif isinstance(msg, p.ListEntitiesRequest):
            self.send(p.ListEntitiesDoneResponse())
        elif isinstance(msg, p.PingRequest):
            self.send(p.PingResponse())
        elif isinstance(msg, p.DisconnectRequest):
            self.send(p.DisconnectResponse())
            if self._writer is not None:
                self._writer.close()
        elif isinstance(msg, p.SubscribeVoiceAssistantRequest):
            self.subscribed, self.subscribe_flags = msg.subscribe, msg.flags
        elif isinstance(msg, p.VoiceAssistantConfigurationRequest):
            self.send(p.VoiceAssistantConfigurationResponse(max_active_wake_words=1))
        elif isinstance(msg, p.VoiceAssistantResponse):
            self.responses.append(msg)
        elif isinstance(msg, p.VoiceAssistantEventResponse):
            data = {d.name: d.value for d in msg.data}
            self.events.append((msg.event_type, data))
            if msg.event_type == E.VOICE_ASSISTANT_TTS_END and data.get("url"):
                self._spawn(self._play_url(data["url"]))
        elif isinstance(msg, p.VoiceAssistantAudio):
            if self.first_api_audio_t is None:
                self.first_api_audio_t = time.monotonic()
            self.audio += msg.data
        elif isinstance(msg, p.VoiceAssistantTimerEventResponse):
            self.timer_events.append(
                (msg.event_type, msg.timer_id, msg.name, msg.total_seconds, msg.seconds_left, msg.is_active)
            )
        elif isinstance(msg, p.VoiceAssistantAnnounceRequest):
            self.announcements.append((msg.media_id, msg.text))
            self._spawn(self._announce(msg.media_id))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _play_url(self, url: str) -> None:
        """The media player: fetch the whole reply (it streams while it is synthesised)."""
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        body = bytearray()
        try:
            writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            await reader.readuntil(b"\r\n\r\n")
            while data := await reader.read(65536):
                if len(body) <= 44 < len(body) + len(data):
                    self.first_fetch_byte_t.setdefault(url, time.monotonic())
                body += data
        finally:
            writer.close()
            self.fetched[url] = bytes(body)
            await self._notify()

    async def _announce(self, url: str) -> None:
        self.fetched[url] = await fetch(url)
        if self.acknowledge_announcements:
            self.send(api_pb2.VoiceAssistantAnnounceFinished(success=True))
        await self._notify()

    # -- the device's part of a run ------------------------------------------------------------------
    async def run(
        self,
        samples: np.ndarray,
        *,
        wake_word_phrase: str = "hey jarvis",
        flags: int = 0,
        realtime: bool = False,
        timeout_s: float = 120.0,
    ) -> Run:
        """Ask for a run (the device heard its wake word), stream the microphone until the
        controller says the speech ended, then wait for the run's end (and its reply audio)."""
        first_event, first_audio = len(self.events), len(self.audio)
        responses = len(self.responses)
        self.first_api_audio_t = None
        self.send(
            api_pb2.VoiceAssistantRequest(
                start=True,
                conversation_id="",
                flags=flags,
                audio_settings=api_pb2.VoiceAssistantAudioSettings(volume_multiplier=1.0),
                wake_word_phrase=wake_word_phrase,
            )
        )
        await self.wait_until(lambda: len(self.responses) > responses, timeout_s)
        response = self.responses[responses]
        pcm = np.asarray(samples, dtype="<i2").tobytes()

        def mine() -> list[tuple[int, dict[str, str]]]:
            """This run's events: from its run-start on (a run it replaced may still be ending)."""
            events = self.events[first_event:]
            starts = [i for i, (k, _) in enumerate(events) if k == E.VOICE_ASSISTANT_RUN_START]
            return events[starts[0] :] if starts else []

        def ended() -> bool:
            kinds = [k for k, _ in mine()]
            return E.VOICE_ASSISTANT_STT_VAD_END in kinds or E.VOICE_ASSISTANT_RUN_END in kinds

        sent = 0
        t0 = time.monotonic()
        while sent < len(pcm) and not ended() and self._writer is not None:
            self.send(api_pb2.VoiceAssistantAudio(data=pcm[sent : sent + BLOCK]))
            sent += BLOCK
            if realtime:
                await asyncio.sleep(max(0.0, t0 + sent / 32000 - time.monotonic()))
            else:
                await asyncio.sleep(0)
        if not ended():
            self.send(api_pb2.VoiceAssistantAudio(end=True))
        sent_s = min(sent, len(pcm)) / 32000

        def done() -> bool:
            kinds = [k for k, _ in mine()]
            if E.VOICE_ASSISTANT_RUN_END not in kinds:
                return False
            if E.VOICE_ASSISTANT_TTS_STREAM_START in kinds and E.VOICE_ASSISTANT_TTS_STREAM_END not in kinds:
                return False
            urls = [d.get("url", "") for k, d in mine() if k == E.VOICE_ASSISTANT_TTS_END]
            return all(u in self.fetched for u in urls if u)

        await self.wait_until(done, timeout_s)
        events = mine()
        urls = [d.get("url", "") for k, d in events if k == E.VOICE_ASSISTANT_TTS_END]
        if self.features & F.SPEAKER:
            audio, first = bytes(self.audio[first_audio:]), self.first_api_audio_t
        else:
            audio = b"".join(self.fetched[u][44:] for u in urls if u)
            first = next((self.first_fetch_byte_t[u] for u in urls if u in self.first_fetch_byte_t), None)
        return Run(events, audio, response, sent_s, t0, first)


@contextlib.asynccontextmanager
async def served_devices(settings: Any, engines: Any, data_dir: Any, *devices: EsphomeTestDevice) -> Any:
    """A real household (classic brain, its own database) driving ``devices`` through the
    real controllers (``start_esphome``, as ``hark serve`` does), replies hosted on 127.0.0.1.
    Yields (household, fleet); every device is connected and subscribed when it does."""
    from hark.esphome.controller import start_esphome
    from hark.esphome.store import EsphomeDevices
    from hark.household import Household

    s = dataclasses.replace(settings, data_dir=data_dir).replace(llm={"backend": "off"})
    household = await Household.open(s)
    fleet = None
    try:
        store = EsphomeDevices(household.db)
        for device in devices:
            await device.start()
            await store.add(device.host, device.port, name=device.name, room="kitchen")
        fleet = await start_esphome(household, engines, media_host="127.0.0.1")
        for device in devices:
            await device.wait_until(lambda d=device: d.connected)  # type: ignore[misc]
        yield household, fleet
    finally:
        if fleet is not None:
            await fleet.aclose()
        for device in devices:
            await device.stop()
        await household.close()


def controller_of(fleet: Any, device: EsphomeTestDevice) -> Any:
    return next(c for c in fleet.controllers.values() if c.device.port == device.port)
