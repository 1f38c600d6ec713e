"""A device session: one connected device's conversation over the household's shared engines.

The local microphone (``hark listen``), a WebSocket client and, later, Wyoming and
ESPHome devices are all sources and sinks of this one type. A session owns what is
per-conversation: its conversation (chat mode included), its profile, its
announcements, its turns; the engines and the brain it is given are shared with
every other session and hold no state of it. A transport that carries many sessions
on one stream wraps each event with the session's id (the server's ``event`` message).

``listen`` serves one audio stream with the state machine of :mod:`.states`;
``ask_text`` and ``ask_audio`` are single turns that start at the brain or at
speech recognition.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from ..audio.sinks import AudioSink
from ..brain.base import Brain, BrainRequest, Preparing
from ..brain.conversation import Conversation
from ..config import Settings
from ..engines.base import VadEngine, WakeDetection
from ..engines.registry import Engines
from ..errors import EngineLoadError, HarkError, NoSpeechError, StageError
from ..events import ErrorEvent, Event, RunEnd, RunStart, Stage, SttEnd, SttPartial, SttStart, WakeEnd, WakeStart
from ..pipeline.capture import TurnCapture
from ..pipeline.clock import Clock, monotonic
from ..pipeline.respond import Reply, respond
from ..pipeline.result import TurnResult
from ..pipeline.trace import TurnTrace
from ..pipeline.wakestrip import strip_wake_phrase
from ..skills.base import Announcement
from .ringing import Ringer
from .run import Journal, Run
from .states import BargeDetector, Capturing, State, Stream, Waking, window_seconds

log = logging.getLogger(__name__)

KEEP_TURNS = 32
"""``listen`` returns the last turns only: a session may live for months."""


class DeviceSession:
    def __init__(
        self,
        settings: Settings,
        engines: Engines,
        brain: Brain,
        *,
        clock: Clock = monotonic,
        now: Callable[[], dt.datetime] | None = None,
        on_event: Callable[[Event], None] | None = None,
        device_id: str = "local",
        profile: str = "default",
        journal: Journal | None = None,
        session_id: str | None = None,
        ringer: Ringer | None = None,
    ) -> None:
        self.settings = settings
        self.engines = engines
        self.brain = brain
        self.clock = clock
        self.now = now or (lambda: dt.datetime.now().astimezone())
        self.on_event = on_event
        self.device_id = device_id
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.profile = profile
        """Whose requests this device hears (memory is kept per profile)."""
        self.journal = journal
        self.conversation = Conversation()
        """The conversation, chat mode included (``conversation.chatting``)."""
        self.ringer = ringer or Ringer(engines.tts, clock)
        self._preparing: asyncio.Task[None] | None = None

    @property
    def chat_mode(self) -> bool:
        return self.conversation.chatting

    # -- plumbing ------------------------------------------------------------------------------------
    def emitter(self, trace: TurnTrace) -> Callable[[Event], None]:
        def emit(event: Event) -> None:
            trace(event)
            if self.on_event is not None:
                self.on_event(event)

        return emit

    def new_run(self, start: Stage, *, follow_up: bool = False) -> Run:
        run = Run(TurnTrace(), uuid.uuid4().hex[:12], follow_up=follow_up)
        self.emitter(run.trace)(
            RunStart(t=self.clock(), run_id=run.run_id, start_stage=start, end_stage=Stage.PLAYBACK)
        )
        return run

    def begin_wake(self, phrases: tuple[str, ...]) -> Run:
        run = self.new_run(Stage.WAKE)
        self.emitter(run.trace)(WakeStart(t=self.clock(), wake_words=phrases))
        return run

    def _capture(self, run: Run, vad: VadEngine) -> TurnCapture:
        stt, _ = self.engines.need_stt()
        trace = self.emitter(run.trace)

        def emit(event: Event) -> None:
            trace(event)
            if isinstance(event, SttPartial) and event.speculative:
                # the likely transcript, decoded at a pause: the brain can start on it
                words = strip_wake_phrase(event.text, (run.wake.phrase,) if run.wake else ())
                if words:
                    self._prepare_brain(words)

        emit(SttStart(t=self.clock(), engine=stt.name))
        return TurnCapture(
            vad=vad, stt=stt, turn=self.engines.turn, settings=self.settings.turn, emit=emit, clock=self.clock
        )

    def start_capture(
        self,
        run: Run,
        detection: WakeDetection | None,
        vad: VadEngine,
        preroll: Int16Array,
        audio_t: float,
        t: float,
        *,
        expect_speech: bool = True,
    ) -> None:
        """Begin capturing a request. ``expect_speech``: without a wake word, speech is
        already under way (a barge-in); otherwise the capture waits for it to begin."""
        if detection is not None:
            run.wake = detection
            self.emitter(run.trace)(
                WakeEnd(
                    t=self.clock(), wake_word=detection.wake_word, phrase=detection.phrase, audio_t=detection.audio_t
                )
            )
        run.capture = self._capture(run, vad)
        run.started_audio_t = audio_t
        self._prepare_brain()
        voiced = run.capture.prime(preroll, audio_t=audio_t, t=t, after_wake=detection is not None)
        if detection is None and not voiced and expect_speech:
            run.capture.mark_voiced()

    def _request(self, text: str) -> BrainRequest:
        return BrainRequest(
            text=text, conversation=self.conversation, now=self.now, device_id=self.device_id, profile=self.profile
        )

    # -- the brain's head start ----------------------------------------------------------------------
    def _prepare_brain(self, words: str = "") -> None:
        """A request is coming: let the brain get ahead of it while the user speaks (see
        :class:`~hark.brain.base.Preparing`), knowing nothing of it yet (``words`` empty,
        as listening starts) or its likely words (decoded at a pause). A preparation still
        running is replaced."""
        if not isinstance(self.brain, Preparing):
            return
        self._preparing = asyncio.create_task(
            self._run_prepare(self.brain, self._preparing, words), name="brain-prepare"
        )

    async def _run_prepare(self, brain: Preparing, previous: asyncio.Task[None] | None, words: str) -> None:
        if previous is not None:
            await _stop(previous)
        try:
            await brain.prepare(self._request(words))
        except Exception:  # only a head start: the request itself will say what is wrong
            log.warning("preparing the brain failed", exc_info=True)

    async def _stop_preparing(self) -> None:
        task, self._preparing = self._preparing, None
        if task is not None:
            await _stop(task)

    # -- a turn's reply ------------------------------------------------------------------------------
    async def _reply(self, run: Run, text: str, sink: AudioSink | None) -> Reply:
        reply = await respond(
            self._request(text),
            brain=self.brain,
            tts=self.engines.tts if sink is not None else None,
            sink=sink,
            emit=self.emitter(run.trace),
            clock=self.clock,
            first_clause_chars=self.settings.tts.first_clause_chars,
        )
        for action in reply.actions:
            if action.name == "chat_mode":  # the brain's word on chat mode, kept with the conversation
                self.conversation.chatting = bool(action.arguments.get("on"))
        if reply.error is None:
            self.conversation.add(text, reply.text, reply.brain, reply.intent)
        if self.journal is not None:
            try:
                await self.journal(
                    device_id=self.device_id,
                    transcript=text,
                    reply=reply.text,
                    brain=reply.brain,
                    intent=reply.intent,
                    slots=reply.slots,
                )
            except HarkError as exc:  # the answer was given; losing its log line must not end the loop
                self.emitter(run.trace)(ErrorEvent(t=self.clock(), code=exc.code, message=exc.message))
        return reply

    async def finish(self, run: Run, sink: AudioSink | None, phrases: tuple[str, ...] = ()) -> TurnResult:
        """Final transcript, then the reply. Never raises a HarkError: it becomes an error event."""
        emit = self.emitter(run.trace)
        assert run.capture is not None
        transcript: str | None = None
        reply: Reply | None = None
        try:
            try:
                result = await run.capture.transcript()
            except HarkError:
                raise
            except Exception as exc:
                raise StageError("stt", f"{type(exc).__name__}: {exc}") from exc
            # the pre-roll holds the wake phrase; after a barge-in the user may say one anyway
            transcript = strip_wake_phrase(result.text, phrases or ((run.wake.phrase,) if run.wake else ()))
            emit(SttEnd(t=self.clock(), text=transcript, speculative_hit=result.speculative_hit))
            if not transcript:
                raise NoSpeechError("no request was heard")
            reply = await self._reply(run, transcript, sink)
        except HarkError as exc:
            stage = Stage(exc.stage) if isinstance(exc, StageError) else Stage.STT
            emit(ErrorEvent(t=self.clock(), code=exc.code, message=exc.message, stage=stage))
        finally:
            await run.capture.aclose()
            emit(RunEnd(t=self.clock(), run_id=run.run_id, ok=reply is not None and reply.ok))
        return TurnResult(run.trace, transcript, reply, run.wake)

    def wants_follow_up(self, result: TurnResult) -> bool:
        """Keep the microphone open after this reply? Chat mode, or a reply that asks a question."""
        reply = result.reply
        if reply is None or reply.interrupted:
            return False
        if self.conversation.chatting:
            return True
        return self.settings.chat.follow_up_on_question and reply.error is None and reply.text.rstrip().endswith("?")

    async def drop(self, run: Run) -> None:
        """End a follow-up capture that heard nothing: not an error, not a turn. Chat mode ends."""
        self.conversation.chatting = False
        if run.capture is not None:
            await run.capture.aclose()
        self.emitter(run.trace)(RunEnd(t=self.clock(), run_id=run.run_id, ok=True))

    async def abandon(self, run: Run) -> TurnResult:
        """Listening began (the wake word, a button) but no request followed."""
        emit = self.emitter(run.trace)
        message = "no request after the wake word" if run.wake is not None else "no request was heard"
        emit(ErrorEvent(t=self.clock(), code=NoSpeechError.code, message=message, stage=Stage.VAD))
        if run.capture is not None:
            await run.capture.aclose()
        emit(RunEnd(t=self.clock(), run_id=run.run_id, ok=False))
        return TurnResult(run.trace, None, None, run.wake)

    async def cancel(self, run: Run) -> TurnResult | None:
        task = run.task
        if task is None:
            return None
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # finish's cleanup emits the run's end
        heard = run.trace.first(SttEnd)
        return TurnResult(run.trace, heard.text if isinstance(heard, SttEnd) else None, None, run.wake)

    # -- one-shot turns ------------------------------------------------------------------------------
    async def ask_text(self, text: str, sink: AudioSink | None) -> TurnResult:
        """A text turn: starts at the brain."""
        run = self.new_run(Stage.BRAIN)
        try:
            reply = await self._reply(run, text, sink)
        finally:
            await self._stop_preparing()
        self.emitter(run.trace)(RunEnd(t=self.clock(), run_id=run.run_id, ok=reply.ok))
        return TurnResult(run.trace, text, reply)

    async def ask_audio(self, samples: Int16Array, sink: AudioSink | None) -> TurnResult:
        """The whole recording is the request (no wake word); processed as fast as it decodes."""
        _, vad_factory = self.engines.need_stt()
        run = self.new_run(Stage.VAD)
        vad = vad_factory()
        run.capture = capture = self._capture(run, vad)
        window = vad.window_samples
        try:
            for i in range(0, len(samples) - window + 1, window):
                await capture.feed(samples[i : i + window], i / SAMPLE_RATE, self.clock())
                await asyncio.sleep(0)  # let speculative decodes start
            capture.end_of_stream()
            return await self.finish(run, sink)
        finally:
            await self._stop_preparing()

    # -- a stream --------------------------------------------------------------------------------------
    async def listen(
        self,
        source: AsyncIterator[AudioChunk],
        sink: AudioSink | None,
        *,
        on_turn: Callable[[TurnResult], None] | None = None,
        max_turns: int | None = None,
        wait_for_reply: bool = False,
        start: Stage = Stage.WAKE,
    ) -> list[TurnResult]:
        """Serve one audio stream until it ends (or ``max_turns`` turns are done); returns the
        last turns (at most :data:`KEEP_TURNS`; ``on_turn`` sees every one).

        ``start``: ``Stage.WAKE`` listens for the wake word, turn after turn; ``Stage.STT``
        starts at speech recognition (the device heard its own wake word, or a button was
        pressed): one turn and its follow-ups, then the stream's work is done.
        ``wait_for_reply``: finish each reply before reading more audio (no barge-in); for
        sources that run faster than real time, such as a file processed as fast as possible.
        """
        if start not in (Stage.WAKE, Stage.STT):
            raise ValueError(f"a stream starts at the wake word or at speech recognition, not {start}")
        if start is Stage.WAKE and self.engines.wake_factory is None:
            raise EngineLoadError("listen needs a wake word engine")
        _, vad_factory = self.engines.need_stt()
        wake = self.engines.wake_factory() if self.engines.wake_factory is not None else None
        capture_vad = vad_factory()
        window_s = window_seconds(capture_vad)
        s = self.settings
        kept: collections.deque[TurnResult] = collections.deque(maxlen=KEEP_TURNS)

        def turned(result: TurnResult) -> None:
            kept.append(result)
            if on_turn is not None:
                on_turn(result)

        stream = Stream(
            session=self,
            wake=wake,
            capture_vad=capture_vad,
            barge=BargeDetector(
                vad_factory(), s.turn.vad_threshold, max(1, round(s.turn.barge_in_ms / 1000 / window_s))
            ),
            sink=sink,
            window_s=window_s,
            preroll=collections.deque(maxlen=max(1, round(s.wake.preroll_ms / 1000 / window_s))),
            on_turn=turned,
            max_turns=max_turns,
            wait_for_reply=wait_for_reply,
            wake_start=start is Stage.WAKE,
        )
        state: State
        if start is Stage.WAKE:
            assert wake is not None
            state = Waking(self.begin_wake(wake.phrases))
        else:
            state = stream.capture(
                self.new_run(Stage.VAD), None, np.zeros(0, np.int16), 0.0, self.clock(), expect_speech=False
            )
        windows = _windows(source, capture_vad.window_samples)
        try:
            async for audio_t, t, w in windows:
                state = await state.step(stream, w, audio_t, t)
                if stream.finished:
                    return list(kept)
            await self._end_of_stream(stream, state)
            return list(kept)
        finally:
            await windows.aclose()
            if callable(close := getattr(source, "aclose", None)):
                await close()  # the stream is done with: its producer stops now, not when collected
            await self._stop_preparing()
            await self.ringer.silence()
            run = getattr(state, "run", None)
            if isinstance(run, Run):
                if run.task is not None:
                    await self.cancel(run)
                elif run.capture is not None:
                    await run.capture.aclose()

    async def _end_of_stream(self, stream: Stream, state: State) -> None:
        """The stream ended: finish what is under way."""
        run = getattr(state, "run", None)
        if not isinstance(run, Run):
            return
        if isinstance(state, Capturing) and run.capture is not None:
            if run.capture.speech_started:
                run.capture.end_of_stream()
                stream.done(await self.finish(run, stream.sink, stream.phrases))  # type: ignore[arg-type]
            elif run.follow_up:
                await self.drop(run)
            else:
                stream.done(await self.abandon(run))
        elif run.task is not None:
            stream.done(await run.task)

    # -- announcements (the household hub's Announcer) -----------------------------------------------
    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        """Queue something to say on this device when it is idle."""
        self.ringer.add(Announcement(text, chime, repeat_until_stopped), key)

    async def stop(self, device_id: str, key: str = "") -> bool:
        """Stop one ringing announcement, or all of them; True if anything was ringing."""
        return self.ringer.remove(key)


async def _windows(
    source: AsyncIterator[AudioChunk], window: int
) -> AsyncGenerator[tuple[float, float, Int16Array], None]:
    """The stream cut into VAD windows, whatever the size of its chunks: (audio_t, t, samples)."""
    carry = np.zeros(0, np.int16)
    carry_audio_t = carry_t = 0.0
    async for chunk in source:
        if len(carry) == 0:
            carry_audio_t, carry_t = chunk.audio_t, chunk.t
        carry = np.concatenate([carry, chunk.samples])
        n = len(carry) - len(carry) % window
        for i in range(0, n, window):
            yield carry_audio_t + i / SAMPLE_RATE, carry_t + i / SAMPLE_RATE, carry[i : i + window]
        carry = carry[n:]
        carry_audio_t += n / SAMPLE_RATE
        carry_t += n / SAMPLE_RATE


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
