"""One WebSocket connection: the handshake, then one device session's runs.

``hello`` (token checked before any audio is read) -> ``ready``; then each ``start``
begins a run at its stage: ``wake`` (hands-free, many turns), ``stt`` (one spoken turn,
the device heard its own wake word) or ``brain`` (text). Protocol errors that leave the
stream readable are refused with an ``error`` and the session goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import HarkError
from ..events import Event, RunStart, Stage
from ..events import encode as encode_event
from ..pipeline import TurnResult
from ..session import open_device_session
from ..session.device import DeviceSession
from . import errors as E
from .audio_in import AudioInput
from .context import ServerContext
from .errors import ProtocolError
from .messages import (
    MAX_TEXT_CHARS,
    PROTOCOL_VERSION,
    AudioEnd,
    AudioFormat,
    Bye,
    Done,
    ErrorMessage,
    EventMessage,
    Hello,
    Playback,
    Ready,
    Start,
    Stop,
    TurnMessage,
    decode,
)
from .outbox import Outbox
from .ringing import ConnectionAnnouncer
from .sink import WebSocketSink

log = logging.getLogger(__name__)


def turn_message(session_id: str, result: TurnResult) -> TurnMessage:
    summary = result.trace.summary()
    start = result.trace.first(RunStart)
    return TurnMessage(
        session_id=session_id,
        run_id=start.run_id if isinstance(start, RunStart) else "",
        transcript=result.transcript,
        reply=result.reply.text if result.reply is not None else None,
        ok=result.ok,
        brain=summary.get("brain"),
        intent=summary.get("intent"),
        wake_word=summary.get("wake_word"),
        errors=list(summary.get("errors", [])),
        timings_ms=dict(summary.get("timings_ms", {})),
    )


def parse(text: str) -> Any:
    try:
        return decode(json.loads(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"a control message must be JSON: {exc}", code=E.BAD_JSON) from exc


class Connection:
    def __init__(self, ws: WebSocket, ctx: ServerContext) -> None:
        self.ws = ws
        self.ctx = ctx
        self.session_id = uuid.uuid4().hex[:16]
        self.outbox = Outbox(
            ws.send_text, ws.send_bytes, max_bytes=ctx.options.outbox_bytes, stall_s=ctx.options.stall_s
        )
        self.sink = WebSocketSink(self.outbox, lead_s=ctx.options.lead_s)
        self.session: DeviceSession | None = None
        self.announcer = ConnectionAnnouncer(self)
        self.ring_when_idle = True
        self.device_id = ""
        self._writer: asyncio.Task[None] | None = None
        self._run: asyncio.Task[None] | None = None
        self._run_stage: str = ""
        self._input: AudioInput | None = None
        self._audio_refused = False
        """Audio outside a run was refused (said once per gap between runs), or is a run's tail."""
        self._tail = False
        """The last run took audio: frames and audio-end still in flight after its done are dropped quietly."""
        self._closing = asyncio.Event()
        self._close_code = E.CLOSE_NORMAL
        self.runs_done = 0

    # -- lifecycle -------------------------------------------------------------------------------
    async def serve(self) -> None:
        await self.ws.accept()
        self._writer = asyncio.create_task(self.outbox.run(), name=f"ws-writer-{self.session_id}")
        self.ctx.connections.add(self)
        try:
            if await self._handshake():
                await self._main()
        finally:
            self.ctx.connections.discard(self)
            await self._stop_run()
            if self.session is not None:
                await self.ctx.detach(self.device_id, self)
                await self.session.ringer.silence()
            await self._close()

    async def _handshake(self) -> bool:
        try:
            async with asyncio.timeout(self.ctx.options.hello_timeout_s):
                msg = await self.ws.receive()
        except TimeoutError:
            return self._refuse(ProtocolError("no hello in time", code=E.HELLO_TIMEOUT), E.CLOSE_TIMEOUT)
        if msg["type"] == "websocket.disconnect":
            return False
        if msg.get("bytes") is not None:
            error = ProtocolError("audio before hello: send hello, then start", code=E.AUDIO_BEFORE_START)
            return self._refuse(error, E.CLOSE_PROTOCOL)
        try:
            hello = parse(msg.get("text") or "")
        except ProtocolError as exc:
            return self._refuse(exc, E.CLOSE_PROTOCOL)
        if not isinstance(hello, Hello):
            return self._refuse(ProtocolError("the first message must be hello", code=E.HELLO_FIRST), E.CLOSE_PROTOCOL)
        if hello.protocol != PROTOCOL_VERSION:
            error = ProtocolError(f"this server speaks protocol {PROTOCOL_VERSION}", code=E.BAD_VERSION)
            return self._refuse(error, E.CLOSE_PROTOCOL)
        if self.ctx.draining:
            error = ProtocolError("the server is shutting down", code=E.SHUTTING_DOWN)
            return self._refuse(error, E.CLOSE_UNAVAILABLE)
        if not self.ctx.ready:
            error = ProtocolError("the server is still loading its engines: try again shortly", code=E.NOT_READY)
            return self._refuse(error, E.CLOSE_UNAVAILABLE)
        try:
            device = await self.ctx.devices.authenticate(hello.token, any_household=True) if hello.token else None
        except HarkError as exc:  # the registry's storage failed: say so, do not guess
            return self._refuse(ProtocolError(exc.message, code=exc.code), E.CLOSE_INTERNAL)
        if device is None:
            error = ProtocolError("unknown or revoked device token: pair the device again", code=E.AUTH_REFUSED)
            return self._refuse(error, E.CLOSE_AUTH)
        self.device_id = device.device_id
        self.ring_when_idle = hello.ring_when_idle
        self.session = open_device_session(
            self.ctx.household,
            self.ctx.engines,
            self.sink,
            device_id=device.device_id,
            household_id=device.household_id,
            session_id=self.session_id,
            on_event=self._on_event,
        )
        tts = self.ctx.engines.tts
        self.outbox.send(
            Ready(
                protocol=PROTOCOL_VERSION,
                session_id=self.session_id,
                device_id=device.device_id,
                device_name=device.name or device.device_id,
                tts_rate=tts.capabilities.sample_rate if tts is not None else 0,
            )
        )
        await self.ctx.attach(device.device_id, self)  # announcements held while it was away ring now
        return True

    def _refuse(self, error: ProtocolError, close_code: int) -> bool:
        self.outbox.send(ErrorMessage(code=error.code, message=error.message, fatal=True))
        self._close_code = close_code
        return False

    async def _main(self) -> None:
        reader = asyncio.create_task(self._read(), name=f"ws-reader-{self.session_id}")
        failed = asyncio.create_task(self.outbox.failed.wait(), name=f"ws-failed-{self.session_id}")
        closing = asyncio.create_task(self._closing.wait(), name=f"ws-closing-{self.session_id}")
        try:
            await asyncio.wait({reader, failed, closing}, return_when=asyncio.FIRST_COMPLETED)
            if self.outbox.failed.is_set() and self.outbox.slow_reader and not self._closing.is_set():
                self.ctx.dropped_slow_readers += 1
                log.warning("session %s (%s) dropped: %s", self.session_id, self.device_id, self.outbox.reason)
                self._close_code = E.CLOSE_SLOW_READER
        finally:
            for task in (reader, failed, closing):
                task.cancel()
            await asyncio.gather(reader, failed, closing, return_exceptions=True)

    async def _close(self) -> None:
        if not self.outbox.failed.is_set():
            await self.outbox.drain(2.0)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        # a client that does not read may never take the close frame: do not wait on it for long
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self.ws.close(self._close_code)

    async def shutdown(self, grace_s: float) -> None:
        """The server is stopping: say bye, let the run under way finish (bounded), then close."""
        self.outbox.send(Bye(reason="shutdown"))
        if self._input is not None:
            self._input.end()  # finish the turn that is being heard; listen no further
        run = self._run
        if run is not None and not run.done():
            await asyncio.wait({run}, timeout=grace_s)
        self._close_code = E.CLOSE_GOING_AWAY
        self._closing.set()

    def revoked(self) -> None:
        """The device's token was revoked: say so and close now (the run under way is cut)."""
        self.outbox.send(Bye(reason="revoked"))
        self._close_code = E.CLOSE_AUTH
        self._closing.set()

    # -- reading ---------------------------------------------------------------------------------
    async def _read(self) -> None:
        while True:
            try:
                msg = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if msg["type"] == "websocket.disconnect":
                return
            try:
                data = msg.get("bytes")
                if data is not None:
                    self._on_audio(data)
                else:
                    await self._on_message(parse(msg.get("text") or ""))
            except ProtocolError as exc:
                self.outbox.send(ErrorMessage(code=exc.code, message=exc.message, fatal=exc.fatal))
                if exc.fatal:
                    self._close_code = E.CLOSE_PROTOCOL
                    return
            except HarkError as exc:  # e.g. storage failing under "stop": said, and the session goes on
                self.outbox.send(ErrorMessage(code=exc.code, message=exc.message))

    def _on_audio(self, data: bytes) -> None:
        if self._input is None:
            if self._audio_refused:
                return  # said once already for this gap between runs
            self._audio_refused = True
            raise ProtocolError("audio outside a run: send start (with audio) first", code=E.AUDIO_BEFORE_START)
        self._input.feed(data)

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, Start):
            self._start(message)
        elif isinstance(message, AudioEnd):
            if self._input is not None:
                self._input.end()
            elif not self._tail:
                raise ProtocolError("audio-end with no audio run under way", code=E.BUSY)
        elif isinstance(message, Stop):
            # like saying "stop": the device's ringing timers are done and its announcements end
            await self.ctx.household.scheduler.acknowledge(self.device_id)
            run = self._run
            if run is not None and self._run_stage != "wake":
                run.cancel()  # the reply stops at once (audio-clear); hands-free runs stop by voice
                await asyncio.wait({run})  # ended (done sent) before the next message: a start may follow
        elif isinstance(message, Playback):
            self.sink.reported_played_s = message.played_s
        elif isinstance(message, Hello):
            raise ProtocolError("hello was received already", code=E.BAD_MESSAGE)

    # -- runs --------------------------------------------------------------------------------------
    def _start(self, start: Start) -> None:
        if self._run is not None:
            raise ProtocolError("a run is under way: wait for done (or send stop)", code=E.BUSY)
        if self.ctx.draining:
            raise ProtocolError("the server is shutting down", code=E.SHUTTING_DOWN)
        if start.start_stage == "brain":
            if not start.text or not start.text.strip():
                raise ProtocolError("start_stage brain needs text", code=E.BAD_MESSAGE)
            if len(start.text) > MAX_TEXT_CHARS:
                raise ProtocolError(f"a request is at most {MAX_TEXT_CHARS} characters", code=E.BAD_MESSAGE)
        else:
            if start.text is not None:
                raise ProtocolError("text goes with start_stage brain only", code=E.BAD_MESSAGE)
            if start.start_stage == "wake" and self.ctx.engines.wake_factory is None:
                raise ProtocolError("this server has no wake word engine loaded", code=E.BAD_MESSAGE)
            self._input = AudioInput(start.audio or AudioFormat(), self._on_input_error)
        self._audio_refused = self._tail = False
        self._run_stage = start.start_stage
        self._run = asyncio.create_task(self._run_turns(start), name=f"run-{self.session_id}")

    @property
    def idle(self) -> bool:
        return self._run is None

    def ring_if_idle(self) -> None:
        """Between runs, play what is queued (a timer rang) on this device now."""
        session = self.session
        if self.idle and self.ring_when_idle and session is not None and not self.outbox.failed.is_set():
            session.ringer.start(self.sink)

    def _on_input_error(self, error: ProtocolError) -> None:
        self.outbox.send(ErrorMessage(code=error.code, message=error.message))

    async def _run_turns(self, start: Start) -> None:
        turns = 0
        sink = self.sink if start.end_stage == "tts" else None

        def on_turn(result: TurnResult) -> None:
            nonlocal turns
            turns += 1
            self.outbox.send(turn_message(self.session_id, result))

        session = self.session
        assert session is not None
        try:
            if start.start_stage != "wake":
                await session.ringer.silence()  # a hands-free run rings by itself; others talk over nothing
            if start.start_stage == "brain":
                assert start.text is not None
                on_turn(await session.ask_text(start.text, sink))
            else:
                assert self._input is not None
                source = self._input.chunks()
                if start.start_stage == "wake":
                    await session.listen(source, sink, on_turn=on_turn)
                else:  # the device heard its own wake word: one turn, ended by the server's end of turn
                    await session.listen(source, sink, on_turn=on_turn, max_turns=1, start=Stage.STT)
        except HarkError as exc:
            self.outbox.send(ErrorMessage(code=exc.code, message=exc.message))
        except Exception as exc:  # a bug: said to the client and logged, the connection goes on
            log.exception("run of session %s failed", self.session_id)
            self.outbox.send(ErrorMessage(code="internal", message=f"{type(exc).__name__}: {exc}"))
        finally:
            if self._input is not None:
                await self._input.aclose()
            self._input = None
            self._run = None
            # the server may end a turn before the device stops sending: its tail is no error
            self._audio_refused = self._tail = start.start_stage != "brain"
            self.runs_done += 1
            self.outbox.send(Done(session_id=self.session_id, turns=turns))
            self.ring_if_idle()  # still ringing, not stopped: again

    async def _stop_run(self) -> None:
        run = self._run
        if run is not None:
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
        if self._input is not None:
            await self._input.aclose()
            self._input = None

    def _on_event(self, event: Event) -> None:
        self.outbox.send(EventMessage(session_id=self.session_id, event=encode_event(event)))
