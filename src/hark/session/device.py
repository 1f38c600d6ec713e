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
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from zoneinfo import ZoneInfo

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from ..audio.sinks import AudioSink
from ..brain.base import Brain, BrainRequest, Preparing
from ..brain.conversation import Conversation
from ..brain.person import NOBODY, Identify, Person
from ..config import Settings
from ..engines.base import VadEngine, WakeDetection
from ..engines.registry import Engines
from ..errors import HarkError, NoSpeechError, StageError
from ..events import ErrorEvent, Event, RunEnd, RunStart, Stage, SttEnd, SttPartial, SttStart, WakeEnd, WakeStart
from ..pipeline.capture import TurnCapture
from ..pipeline.clock import Clock, monotonic
from ..pipeline.respond import Reply, respond
from ..pipeline.result import TurnResult
from ..pipeline.trace import TurnTrace
from ..pipeline.wakestrip import strip_wake_phrase
from ..skills.base import Announcement
from .listening import serve_stream
from .ringing import Ringer
from .run import Journal, Run

log = logging.getLogger(__name__)


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
        who: Person = NOBODY,
        identify: Identify | None = None,
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
        self.who = who
        """Whose requests this device hears when the voice is not recognised: the household,
        the device's default member, kids mode, the plan."""
        self.identify = identify
        """Who is speaking, each turn (from the turn's speech when there is any)."""
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
        zone = self.who.timezone
        if zone:  # the household's own time zone: every answer about time, alarms, reminders in it
            tz = ZoneInfo(zone)
            clock = self.now

            def now() -> dt.datetime:
                return clock().astimezone(tz)

        else:
            now = self.now
        return BrainRequest(text=text, conversation=self.conversation, now=now, device_id=self.device_id, who=self.who)

    async def _identify(self, speech: Int16Array | None) -> None:
        """Who this turn runs as; on failure the device's last known person, and the turn goes on."""
        if self.identify is None:
            return
        try:
            self.who = await self.identify(speech)
        except HarkError as exc:
            log.warning("could not tell who is speaking: %s", exc.message)

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

    async def stop_preparing(self) -> None:
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
                    who=self.who,
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
        who = asyncio.create_task(self._identify(run.capture.audio), name="identify")
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
            await who
            reply = await self._reply(run, transcript, sink)
        except HarkError as exc:
            stage = Stage(exc.stage) if isinstance(exc, StageError) else Stage.STT
            emit(ErrorEvent(t=self.clock(), code=exc.code, message=exc.message, stage=stage))
        finally:
            await _stop(who)
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
            await self._identify(None)
            reply = await self._reply(run, text, sink)
        finally:
            await self.stop_preparing()
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
            await self.stop_preparing()

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
        last turns (at most :data:`~hark.session.listening.KEEP_TURNS`; ``on_turn`` sees every one).

        ``start``: ``Stage.WAKE`` listens for the wake word, turn after turn; ``Stage.STT``
        starts at speech recognition (the device heard its own wake word, or a button was
        pressed): one turn and its follow-ups, then the stream's work is done.
        ``wait_for_reply``: finish each reply before reading more audio (no barge-in); for
        sources that run faster than real time, such as a file processed as fast as possible.
        """
        return await serve_stream(
            self, source, sink, on_turn=on_turn, max_turns=max_turns, wait_for_reply=wait_for_reply, start=start
        )

    # -- announcements (the household hub's Announcer) -----------------------------------------------
    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        """Queue something to say on this device when it is idle."""
        self.ringer.add(Announcement(text, chime, repeat_until_stopped), key)

    async def stop(self, device_id: str, key: str = "") -> bool:
        """Stop one ringing announcement, or all of them; True if anything was ringing."""
        return self.ringer.remove(key)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
