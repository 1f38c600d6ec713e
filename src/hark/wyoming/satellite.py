"""Wyoming satellites: whole pipelines run by a Hark device session.

A satellite (``wyoming-satellite``, or any peer that sends ``run-pipeline``) becomes an ordinary
Hark device: a :class:`~hark.session.device.DeviceSession` over the shared engines, attached to
the household's hub so its timers ring on it. Its pipeline runs from any start stage to any end
stage:

* ``wake`` -> anything: the satellite streams audio; Hark listens for the wake word, hands-free,
  turn after turn (as Hark's own devices do) until the satellite stops streaming or asks again;
  ``wake`` -> ``wake``: one ``detection``, then the run is over.
* ``asr`` -> anything: the satellite heard its own wake word; one request (and its follow-ups).
* ``intent`` / ``handle`` -> ...: the text comes as the next ``transcript`` event.
* ``tts`` -> ``tts``: ``announce_text`` is spoken.

What the session does goes back as Wyoming events: ``detect``, ``detection``, ``transcribe``,
``voice-started``, ``voice-stopped``, ``transcript``, ``synthesize`` (the reply, ``tts`` end) or
``handled`` (``handle`` end), the reply audio, and ``error`` with Hark's codes; ``timer-*`` for
the device's timers (:mod:`.timers`).

:class:`SatelliteClient` is the controller's side for satellites that listen (as
``wyoming-satellite`` does): Hark connects, asks ``describe`` (the satellite's name is its device
id), sends ``run-satellite``, and reconnects with backoff when it goes away.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk as WyChunk
from wyoming.error import Error
from wyoming.event import async_read_event, async_write_event
from wyoming.handle import Handled
from wyoming.info import Describe, Info
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detect, Detection

from ..brain.base import BrainRequest, ReplyPart
from ..engines.executor import infer
from ..errors import HarkError
from ..events import (
    BrainAction,
    BrainEnd,
    ErrorEvent,
    RunEnd,
    Stage,
    SttEnd,
    SttStart,
    VadEnd,
    VadStart,
    WakeEnd,
    WakeStart,
)
from ..events import Event as HarkEvent
from ..pipeline.result import TurnResult
from ..session import open_device_session
from ..session.device import DeviceSession
from . import errors as E
from .audio import AudioStream, Decoder
from .errors import WyomingError
from .info import wake_word_ids
from .sink import WyomingSink
from .timers import TimerWatch

if TYPE_CHECKING:
    from .connection import WyomingConnection
    from .server import WyomingService

log = logging.getLogger(__name__)


class _Transcribing:
    """The brain of an ``asr``-ending pipeline: it hears the request and does nothing with it."""

    name = "transcribe-only"

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        return
        yield  # pragma: no cover


class SatelliteLink:
    """One satellite on one connection: its device session, its pipeline runs, its timers."""

    def __init__(self, connection: WyomingConnection, *, name: str) -> None:
        self.connection = connection
        self.ctx = connection.ctx
        self.device_id = name
        self.sink = WyomingSink(connection.outbox)
        self.session: DeviceSession | None = None
        self.timers = TimerWatch(self.ctx.household, name, connection.send)
        self.pipeline: RunPipeline | None = None
        self.stream: AudioStream | None = None
        self.decoder = Decoder()
        self.awaiting_text = False
        self._text: asyncio.Queue[str] = asyncio.Queue()
        self._run: asyncio.Task[None] | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._attached = False
        self.turns: list[TurnResult] = []

    # -- what the connection routes here ----------------------------------------------------------
    @property
    def hearing(self) -> bool:
        """Audio on a satellite's connection is its pipeline's (dropped between runs)."""
        return True

    def feed(self, chunk: WyChunk) -> None:
        if self.stream is not None and not self.stream.ended:
            self.stream.push(self.decoder.decode(chunk))

    def end_audio(self) -> None:
        if self.stream is not None:
            self.stream.end()

    def text(self, text: str) -> None:
        self._text.put_nowait(text)

    def played(self) -> None:
        """The satellite says it played the reply (nothing waits on it: the sink keeps time)."""

    async def run_pipeline(self, pipeline: RunPipeline) -> None:
        if self.ctx.draining:
            raise WyomingError("the server is shutting down", code=E.SHUTTING_DOWN)
        if not self.ctx.ready:
            raise WyomingError("the server is still loading its engines: try again shortly", code=E.NOT_READY)
        if pipeline.start_stage == PipelineStage.TTS and not pipeline.announce_text:
            raise WyomingError("a pipeline that starts at tts needs announce_text", code=E.BAD_PIPELINE)
        await self._stop_run()  # a new run-pipeline replaces the one under way
        if self.session is None:
            self.session = open_device_session(
                self.ctx.household, self.ctx.engines, self.sink, device_id=self.device_id, on_event=self._on_event
            )
        if not self._attached:
            self._attached = True
            await self.ctx.household.hub.attach(self.device_id, self)
        self.pipeline = pipeline
        self.decoder = Decoder()
        self.awaiting_text = pipeline.start_stage in (PipelineStage.INTENT, PipelineStage.HANDLE)
        hears = pipeline.start_stage in (PipelineStage.WAKE, PipelineStage.ASR)
        self.stream = AudioStream(self.connection.refuse) if hears else None
        self._run = asyncio.create_task(self._serve(pipeline), name=f"wyoming-pipeline-{self.device_id}")

    # -- runs ------------------------------------------------------------------------------------------
    async def _serve(self, pipeline: RunPipeline) -> None:
        session = self.session
        assert session is not None
        try:
            while True:
                await self._once(session, pipeline)
                if not pipeline.restart_on_end or (self.stream is not None and self.stream.ended):
                    break
                if self.stream is None and pipeline.start_stage == PipelineStage.TTS:
                    break  # an announcement is said once
        except HarkError as exc:
            self.connection.refuse(exc)
        except Exception as exc:  # a bug: said and logged, the satellite stays connected
            log.exception("pipeline of %s failed", self.device_id)
            self.connection.send(Error(text=f"{type(exc).__name__}: {exc}", code=E.INTERNAL).event())
        finally:
            self.awaiting_text = False
            self._ring_if_idle()

    async def _once(self, session: DeviceSession, pipeline: RunPipeline) -> None:
        start, end = pipeline.start_stage, pipeline.end_stage
        sink = self.sink if end == PipelineStage.TTS else None
        if start == PipelineStage.TTS:
            await self._announce(pipeline.announce_text or "")
            return
        if start in (PipelineStage.INTENT, PipelineStage.HANDLE):
            text = await self._text.get()
            await session.ringer.silence()
            self.turns.append(await session.ask_text(text, sink))
            return
        assert self.stream is not None
        if end == PipelineStage.WAKE:
            await self._wake_only()
            return
        if end in (PipelineStage.ASR, PipelineStage.INTENT):  # heard, not answered
            listener = DeviceSession(
                session.settings, session.engines, _Transcribing(), device_id=self.device_id, on_event=self._on_event
            )
        else:
            listener = session
        if start == PipelineStage.WAKE:
            await listener.listen(self.stream.chunks(), sink, on_turn=self.turns.append, start=Stage.WAKE)
        else:
            await session.ringer.silence()
            await listener.listen(self.stream.chunks(), sink, on_turn=self.turns.append, max_turns=1, start=Stage.STT)

    async def _wake_only(self) -> None:
        factory = self.ctx.engines.wake_factory
        if factory is None:
            raise WyomingError("this server has no wake word engine loaded", code=E.NOT_READY)
        engine = factory()
        ids = dict(zip(engine.phrases, wake_word_ids(self.ctx.settings), strict=False))
        self.connection.send(Detect(names=list(ids.values())).event())
        assert self.stream is not None
        async for chunk in self.stream.chunks():
            hits = engine.process(chunk.samples, chunk.audio_t)
            if hits:
                hit = hits[0]
                name = ids.get(hit.phrase, hit.wake_word)
                self.connection.send(Detection(name=name, timestamp=int(hit.audio_t * 1000)).event())
                return

    async def _announce(self, text: str) -> None:
        tts = self.ctx.engines.tts
        if tts is None:
            raise WyomingError("this server has no speech synthesis loaded", code=E.NOT_READY)
        self.connection.send(Synthesize(text=text).event())
        samples = await infer(tts, tts.synthesize, text)
        from ..audio.chunk import AudioChunk

        async def one() -> AsyncIterator[AudioChunk]:
            yield AudioChunk(samples, tts.capabilities.sample_rate)

        await self.sink.play(one())

    # -- the session's events -> Wyoming ----------------------------------------------------------------
    def _on_event(self, event: HarkEvent) -> None:
        send = self.connection.send
        pipeline = self.pipeline
        end = pipeline.end_stage if pipeline is not None else PipelineStage.TTS
        if isinstance(event, WakeStart):
            send(Detect(names=list(wake_word_ids(self.ctx.settings))).event())
        elif isinstance(event, WakeEnd):
            send(Detection(name=event.wake_word, timestamp=int(event.audio_t * 1000)).event())
        elif isinstance(event, SttStart):
            send(Transcribe(language=self.ctx.settings.stt.language).event())
        elif isinstance(event, VadStart):
            send(VoiceStarted(timestamp=int(event.audio_t * 1000)).event())
        elif isinstance(event, VadEnd):
            send(VoiceStopped(timestamp=int(event.speech_end_audio_t * 1000)).event())
        elif isinstance(event, SttEnd):
            send(Transcript(text=event.text, language=self.ctx.settings.stt.language).event())
        elif isinstance(event, BrainEnd):
            if end == PipelineStage.TTS:
                send(Synthesize(text=event.text).event())
            elif end == PipelineStage.HANDLE:
                send(Handled(text=event.text).event())
        elif isinstance(event, BrainAction) and event.name.startswith("timer"):
            self._refresh_timers()
        elif isinstance(event, ErrorEvent):
            send(Error(text=event.message, code=event.code).event())
        elif (
            isinstance(event, RunEnd)
            and pipeline is not None
            and pipeline.start_stage == PipelineStage.ASR
            and self.stream is not None
        ):
            self.stream.end()  # the satellite stops streaming after the transcript: do not wait for more

    def _refresh_timers(self) -> None:
        previous = self._refresh

        async def refresh() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await asyncio.sleep(0)  # the brain's transaction commits first
            try:
                await self.timers.refresh()
            except HarkError as exc:
                log.warning("timers of %s not read: %s", self.device_id, exc)

        self._refresh = asyncio.create_task(refresh(), name=f"wyoming-timers-{self.device_id}")

    # -- the household hub's Announcer ---------------------------------------------------------------------
    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        if key.startswith("timer:") and key[6:].isdigit():
            from wyoming.timer import TimerFinished

            self.timers.finished(int(key[6:]))
            self.connection.send(TimerFinished(id=key[6:]).event())
        if self.session is not None:
            await self.session.announce(
                device_id, text, chime=chime, repeat_until_stopped=repeat_until_stopped, key=key
            )
            self._ring_if_idle()

    async def stop(self, device_id: str, key: str = "") -> bool:
        if self.session is None:
            return False
        stopped = await self.session.stop(device_id, key)
        if not self.session.ringer.pending and self._run is None:
            await self.session.ringer.silence()
        return stopped

    def _ring_if_idle(self) -> None:
        """Between runs, what rings (a timer) plays on the satellite at once; a hands-free run rings by itself."""
        run = self._run
        idle = run is None or run.done() or run is asyncio.current_task()
        if idle and self.session is not None and not self.connection.outbox.failed.is_set():
            self.session.ringer.start(self.sink)

    # -- ending ----------------------------------------------------------------------------------------------
    async def _stop_run(self, grace_s: float = 10.0) -> None:
        """End the run under way: its audio ends, the turn it is in finishes (``grace_s`` at most)."""
        if self.stream is not None:
            self.stream.end()
        run, self._run = self._run, None
        if run is not None:
            try:
                _, late = await asyncio.wait({run}, timeout=grace_s)
            except asyncio.CancelledError:  # this side is being stopped: the run is not left behind
                run.cancel()
                await asyncio.wait({run})
                raise
            if late:
                run.cancel()
                await asyncio.wait({run})
        self.pipeline = None
        self.stream = None

    async def aclose(self) -> None:
        """The satellite went (or the server stops): the turn under way finishes, unheard."""
        await self._stop_run()
        if self._refresh is not None:
            await asyncio.wait({self._refresh})
        if self.session is not None:
            await self.session.ringer.silence()
        if self._attached:
            self._attached = False
            self.ctx.household.hub.detach(self.device_id)


def device_id_for(name: str | None, fallback: str) -> str:
    """A satellite's name as a device id: ``Kitchen Satellite`` -> ``kitchen-satellite``."""
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")
    return slug[:64] or fallback


class SatelliteClient:
    """Hark as the controller of a satellite that listens (``tcp://HOST:PORT`` or ``unix://PATH``)."""

    def __init__(self, service: WyomingService, uri: str, *, max_backoff_s: float = 30.0) -> None:
        parsed = urlparse(uri)
        if parsed.scheme not in ("tcp", "unix") or (parsed.scheme == "tcp" and not parsed.port):
            raise WyomingError(f"a satellite is reached at tcp://HOST:PORT or unix://PATH, not {uri}", code=E.BAD_EVENT)
        self.service = service
        self.uri = uri
        self.max_backoff_s = max_backoff_s
        self.connection: WyomingConnection | None = None
        self.connected = asyncio.Event()
        self.connects = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"wyoming-satellite-{self.uri}")

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        parsed = urlparse(self.uri)
        if parsed.scheme == "unix":
            return await asyncio.open_unix_connection(parsed.path)
        return await asyncio.open_connection(parsed.hostname, parsed.port)

    async def _loop(self) -> None:
        from .connection import WyomingConnection

        backoff = 0.5
        while True:
            try:
                reader, writer = await self._open()
            except OSError as exc:
                log.info("satellite %s not reached (%s); again in %.1f s", self.uri, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            try:
                await async_write_event(Describe().event(), writer)
                async with asyncio.timeout(10):
                    while (event := await async_read_event(reader)) is not None and not Info.is_type(event.type):
                        pass
                if event is None:
                    raise ConnectionResetError("the satellite closed the connection")
                info = Info.from_event(event)
                fallback = f"wyoming-{urlparse(self.uri).hostname or 'local'}"
                name = device_id_for(info.satellite.name if info.satellite else None, fallback)
                connection = WyomingConnection(reader, writer, self.service)
                connection.satellite = SatelliteLink(connection, name=name)
                self.connection = connection
                connection.send(RunSatellite().event())
                self.connects += 1
                self.connected.set()
                backoff = 0.5
                await connection.run()
            except (OSError, TimeoutError, ValueError, KeyError) as exc:
                log.info("satellite %s: %s", self.uri, exc)
            finally:
                self.connected.clear()
                self.connection = None
                writer.close()  # also when stopped while still saying hello (the connection closes it too)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
