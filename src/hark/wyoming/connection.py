"""One Wyoming connection: events read with the ``wyoming`` package, each served by the concept
it belongs to (info, asr, tts, wake, handle, a satellite's pipeline), replies written in order
by the connection's :class:`~.outbox.Outbox`.

A request that cannot be served is refused with an ``error`` event (stable ``code``) and the
connection goes on; a stream that can no longer be read as events (a header that is not JSON, a
payload length that does not match) is told ``wyoming-bad-frame`` and closed. A peer that goes
away mid-stream only ends its own connection: what it had under way is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.info import Describe
from wyoming.ping import Ping, Pong
from wyoming.pipeline import RunPipeline
from wyoming.server import AsyncEventHandler
from wyoming.snd import Played
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop
from wyoming.wake import Detect

from ..engines.base import TtsEngine
from ..engines.registry import Engines
from ..errors import HarkError
from . import errors as E
from .asr import Transcription
from .audio import Format
from .errors import WyomingError
from .handle import handle
from .info import describe
from .outbox import Outbox
from .tts import SynthesisStream, plain_text, synthesize
from .wake import WakeDetection

if TYPE_CHECKING:
    from .satellite import SatelliteLink
    from .server import WyomingService

log = logging.getLogger(__name__)

AudioRequest = Transcription | WakeDetection
_FROM_SATELLITES = frozenset({"info", "pong", "streaming-started", "streaming-stopped", "satellite-connected"})


class WyomingConnection(AsyncEventHandler):
    """The handler of one connection (``wyoming.server.AsyncServer`` makes one per peer)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: WyomingService) -> None:
        super().__init__(reader, writer)
        self.service = service
        self.ctx = service.ctx
        self.id = uuid.uuid4().hex[:12]
        self.outbox = Outbox(writer)
        self.request: AudioRequest | None = None
        """The ``transcribe`` or ``detect`` under way (waiting for its audio, or hearing it)."""
        self.stream: SynthesisStream | None = None
        self.satellite: SatelliteLink | None = None
        self._said_unknown: set[str] = set()
        self._audio_refused = False
        self.closed = False

    # -- lifecycle -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Read events until the peer goes (or :meth:`stop`); the ``wyoming`` loop, with a stream
        that breaks (bad framing, a connection reset) told or ended instead of raised."""
        self.outbox.start(f"wyoming-writer-{self.id}")
        self.service.connections.add(self)
        task = asyncio.current_task()
        if task is not None:
            self.service.tasks.add(task)  # awaited when the service stops
        try:
            while not self.closed:
                try:
                    event = await async_read_event(self.reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break  # the peer went away mid-event
                except Exception as exc:  # a header that is JSON but not an event
                    self.refuse(WyomingError(f"not a Wyoming event: {exc!r}", code=E.BAD_FRAME, fatal=True))
                    break
                if event is None:
                    if not self.reader.at_eof():
                        self.refuse(
                            WyomingError("the stream is not Wyoming events (bad header or length)", code=E.BAD_FRAME)
                        )
                    break
                if not await self.handle_event(event):
                    break
        finally:
            try:
                await self.disconnect()
                await self.outbox.drain(1.0)
            finally:  # the writer task and the socket end whatever happened above (a cancelled stop too)
                await self.outbox.aclose()
                self.writer.close()
                self.service.connections.discard(self)
                if task is not None:
                    self.service.tasks.discard(task)
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def stop(self) -> None:
        self.closed = True
        await super().stop()

    async def disconnect(self) -> None:
        """The peer went (or the server stops): end what it had under way."""
        await self._end_request()
        if self.stream is not None:
            stream, self.stream = self.stream, None
            await stream.aclose()
        if self.satellite is not None:
            await self.satellite.aclose()

    def send(self, event: Event) -> None:
        self.outbox.send(event)

    async def put(self, event: Event) -> None:
        await self.outbox.put(event)

    def refuse(self, error: HarkError) -> None:
        self.send(Error(text=error.message, code=error.code).event())

    # -- events ------------------------------------------------------------------------------------
    async def handle_event(self, event: Event) -> bool:
        try:
            await self._dispatch(event)
        except WyomingError as exc:
            self.refuse(exc)
            return not exc.fatal
        except HarkError as exc:
            self.refuse(exc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.refuse(WyomingError(f"{event.type}: missing or mistyped field ({exc!r})", code=E.BAD_EVENT))
        except Exception as exc:  # a bug: said and logged, the connection goes on
            log.exception("wyoming %s: %s failed", self.id, event.type)
            self.refuse(WyomingError(f"{type(exc).__name__}: {exc}", code=E.INTERNAL))
        return not self.outbox.failed.is_set()

    async def _dispatch(self, event: Event) -> None:
        kind = event.type
        if not isinstance(event.data, dict):
            raise WyomingError(f"{kind}: data must be an object", code=E.BAD_EVENT)
        if Describe.is_type(kind):
            self.send(describe(self.ctx.settings, self.ctx.engines, home_control=self.service.home_control).event())
        elif Ping.is_type(kind):
            self.send(Pong(text=Ping.from_event(event).text).event())
        elif AudioChunk.is_type(kind):
            self._audio(AudioChunk.from_event(event))
        elif AudioStart.is_type(kind):
            await self._audio_start(AudioStart.from_event(event))
        elif AudioStop.is_type(kind):
            await self._audio_stop()
        elif Transcribe.is_type(kind):
            await self._begin(
                Transcription(self._engines(), self.ctx.settings, self.send, Transcribe.from_event(event))
            )
        elif Detect.is_type(kind):
            await self._begin(WakeDetection(self._engines(), self.ctx.settings, self.send, Detect.from_event(event)))
        elif Transcript.is_type(kind):
            await self._transcript(Transcript.from_event(event))
        elif Synthesize.is_type(kind):
            if self.stream is None:  # while streaming, the whole text comes again for old servers: ignored
                request = Synthesize.from_event(event)
                await synthesize(self._tts(), plain_text(request.text, request.text_format), self.put, **self._cut())
        elif SynthesizeStart.is_type(kind):
            if self.stream is not None:
                raise WyomingError("synthesize-start while a stream is open", code=E.BUSY)
            self.stream = SynthesisStream(self._tts(), self.put, self.refuse, **self._cut())
        elif SynthesizeChunk.is_type(kind):
            if self.stream is None:
                raise WyomingError("synthesize-chunk with no synthesize-start", code=E.BAD_EVENT)
            self.stream.chunk(SynthesizeChunk.from_event(event).text)
        elif SynthesizeStop.is_type(kind):
            stream, self.stream = self.stream, None
            if stream is None:
                raise WyomingError("synthesize-stop with no synthesize-start", code=E.BAD_EVENT)
            await stream.stop()
        elif RunPipeline.is_type(kind):
            await self._satellite().run_pipeline(RunPipeline.from_event(event))
        elif Played.is_type(kind):
            if self.satellite is not None:
                self.satellite.played()
        elif kind in _FROM_SATELLITES and self.satellite is not None:
            pass  # a satellite's own news (its info, a pong, streaming-started...): nothing to answer
        elif kind not in self._said_unknown:
            self._said_unknown.add(kind)
            raise WyomingError(f"Hark does not serve {kind!r} events", code=E.UNKNOWN_EVENT)

    def _engines(self) -> Engines:
        if self.ctx.draining:
            raise WyomingError("the server is shutting down", code=E.SHUTTING_DOWN)
        if not self.ctx.ready:
            raise WyomingError("the server is still loading its engines: try again shortly", code=E.NOT_READY)
        return self.ctx.engines

    def _tts(self) -> TtsEngine:
        tts = self._engines().tts
        if tts is None:
            raise WyomingError("this server has no speech synthesis loaded", code=E.NOT_READY)
        return tts

    def _cut(self) -> dict[str, int]:
        return {"first_clause_chars": self.ctx.settings.tts.first_clause_chars}

    def _satellite(self) -> SatelliteLink:
        if self.satellite is None:
            from .satellite import SatelliteLink

            self.satellite = SatelliteLink(self, name=self.service.peer_name(self))
        return self.satellite

    # -- audio requests -------------------------------------------------------------------------------
    async def _begin(self, request: AudioRequest) -> None:
        if self.request is not None and self.request.started:
            if isinstance(request, Transcription):
                await request.aclose()
            raise WyomingError("a request's audio is under way: send audio-stop first", code=E.BUSY)
        await self._end_request()  # a request whose audio never began is replaced
        self.request = request
        self._audio_refused = False

    async def _audio_start(self, start: AudioStart) -> None:
        Format.checked(start.rate, start.width, start.channels)
        if self.satellite is not None and self.satellite.hearing:
            return  # a satellite's stream: its chunks say their format
        if self.request is None:  # audio with no request before it: a transcription, as Wyoming ASR servers do
            self.request = Transcription(self._engines(), self.ctx.settings, self.send)
        if not self.request.started:
            self.request.start()
        self._audio_refused = False

    def _audio(self, chunk: AudioChunk) -> None:
        if self.satellite is not None and self.satellite.hearing:
            self.satellite.feed(chunk)
            return
        request = self.request
        if request is None or not request.started:
            if not self._audio_refused:  # said once per gap
                self._audio_refused = True
                raise WyomingError("audio-chunk before audio-start: send audio-start first", code=E.AUDIO_BEFORE_START)
            return
        request.feed(chunk)

    async def _audio_stop(self) -> None:
        if self.satellite is not None and self.satellite.hearing:
            self.satellite.end_audio()
            return
        request = self.request
        if request is None or not request.started:
            raise WyomingError("audio-stop with no audio-start before it", code=E.AUDIO_BEFORE_START)
        self.request = None
        try:
            if isinstance(request, Transcription):
                await request.finish()
            else:
                request.finish()
        finally:
            if isinstance(request, Transcription):
                await request.aclose()

    async def _end_request(self) -> None:
        request, self.request = self.request, None
        if isinstance(request, Transcription):
            await request.aclose()

    # -- handle ------------------------------------------------------------------------------------------
    async def _transcript(self, transcript: Transcript) -> None:
        if not isinstance(transcript.text, str):
            raise WyomingError("transcript: text must be a string", code=E.BAD_EVENT)
        if self.satellite is not None and self.satellite.awaiting_text:
            self.satellite.text(transcript.text)  # the request of a pipeline that starts at intent/handle
            return
        if self.ctx.draining:
            raise WyomingError("the server is shutting down", code=E.SHUTTING_DOWN)
        await handle(transcript, self.ctx.household, self.ctx.engines, self.service.conversations, self.send)
