"""The voice loop: wake word -> capture -> recognition -> brain -> speech, with barge-in.

:class:`Assistant` owns no engines: they are injected (see
:func:`hark.engines.load_engines`), and so are the brain, the clock and the
sink. One ``listen`` call serves one audio stream; the reply of a turn runs as
its own task while the loop keeps reading audio, so a user who talks over the
answer stops it (barge-in) and is heard at once without the wake word.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Protocol

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array, to_float
from ..audio.sinks import AudioSink
from ..brain.base import Brain, BrainRequest, Preparing
from ..brain.conversation import Conversation
from ..config import Settings
from ..engines.base import VadEngine, WakeDetection, WakeWordEngine
from ..engines.registry import Engines
from ..errors import EngineLoadError, HarkError, NoSpeechError, StageError
from ..events import (
    BargeIn,
    ErrorEvent,
    Event,
    RunEnd,
    RunStart,
    Stage,
    SttEnd,
    SttPartial,
    SttStart,
    WakeEnd,
    WakeStart,
)
from ..skills.base import Announcement
from .capture import TurnCapture
from .clock import Clock, monotonic
from .respond import Reply, respond
from .trace import TurnTrace
from .wakestrip import strip_wake_phrase

log = logging.getLogger(__name__)


@dataclasses.dataclass
class TurnResult:
    trace: TurnTrace
    transcript: str | None
    reply: Reply | None
    wake: WakeDetection | None = None

    @property
    def ok(self) -> bool:
        return self.reply is not None and self.reply.ok


class Journal(Protocol):
    """Where each turn is recorded (transcript, intent and slots, reply)."""

    async def __call__(
        self, *, device_id: str, transcript: str, reply: str, brain: str, intent: str | None, slots: Mapping[str, Any]
    ) -> None: ...


RING_GAP_S = 2.0
RING_MAX_S = 600.0


def chime(rate: int = SAMPLE_RATE) -> Int16Array:
    """A two-note chime (E6 then A6, soft attack, exponential decay), made, not shipped."""
    notes = []
    for freq in (1318.5, 1760.0):
        n = int(0.28 * rate)
        t = np.arange(n) / rate
        env = np.minimum(1.0, t / 0.01) * np.exp(-t * 9.0)
        notes.append(0.35 * env * np.sin(2 * np.pi * freq * t) + 0.08 * env * np.sin(4 * np.pi * freq * t))
    audio = np.concatenate([*notes, np.zeros(int(0.15 * rate))])
    return np.asarray(audio * 32767, dtype=np.int16)


async def _iterate(chunks: list[AudioChunk]) -> AsyncIterator[AudioChunk]:
    for c in chunks:
        yield c


@dataclasses.dataclass
class _Turn:
    trace: TurnTrace
    run_id: str
    capture: TurnCapture | None = None
    wake: WakeDetection | None = None
    started_audio_t: float = 0.0
    task: asyncio.Task[TurnResult] | None = None
    follow_up: bool = False
    """Listening without the wake word after a reply (chat mode or a question)."""


class Assistant:
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
        on_chat_end: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.engines = engines
        self.brain = brain
        self.clock = clock
        self.now = now or (lambda: dt.datetime.now().astimezone())
        self.on_event = on_event
        self.device_id = device_id
        self.profile = profile
        """Whose requests this device hears (memory is kept per profile)."""
        self.journal = journal
        self.on_chat_end = on_chat_end
        """Told the conversation id when chat mode ends because nobody spoke."""
        self.conversation = Conversation()
        self._rings: dict[str, Announcement] = {}
        self.chat_mode = False
        """"Let's chat": every reply is followed by listening without the wake word, until stopped."""
        self._preparing: asyncio.Task[None] | None = None

    # -- plumbing ----------------------------------------------------------------------------
    def _emitter(self, trace: TurnTrace) -> Callable[[Event], None]:
        def emit(event: Event) -> None:
            trace(event)
            if self.on_event is not None:
                self.on_event(event)

        return emit

    def _new_turn(self, start: Stage) -> _Turn:
        turn = _Turn(TurnTrace(), uuid.uuid4().hex[:12])
        self._emitter(turn.trace)(
            RunStart(t=self.clock(), run_id=turn.run_id, start_stage=start, end_stage=Stage.PLAYBACK)
        )
        return turn

    def _capture(self, turn: _Turn, vad: VadEngine) -> TurnCapture:
        stt, _ = self.engines.need_stt()
        trace = self._emitter(turn.trace)

        def emit(event: Event) -> None:
            trace(event)
            if isinstance(event, SttPartial) and event.speculative:
                # the likely transcript, decoded at a pause: the brain can start on it
                words = strip_wake_phrase(event.text, (turn.wake.phrase,) if turn.wake else ())
                if words:
                    self._prepare_brain(words)

        emit(SttStart(t=self.clock(), engine=stt.name))
        return TurnCapture(
            vad=vad,
            stt=stt,
            turn=self.engines.turn,
            settings=self.settings.turn,
            emit=emit,
            clock=self.clock,
        )

    def _request(self, text: str) -> BrainRequest:
        return BrainRequest(
            text=text, conversation=self.conversation, now=self.now, device_id=self.device_id, profile=self.profile
        )

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
            await self._stop_task(previous)
        try:
            await brain.prepare(self._request(words))
        except Exception:  # only a head start: the request itself will say what is wrong
            log.warning("preparing the brain failed", exc_info=True)

    async def _stop_preparing(self) -> None:
        task, self._preparing = self._preparing, None
        if task is not None:
            await self._stop_task(task)

    async def _reply(self, turn: _Turn, text: str, sink: AudioSink | None) -> Reply:
        request = self._request(text)
        reply = await respond(
            request,
            brain=self.brain,
            tts=self.engines.tts if sink is not None else None,
            sink=sink,
            emit=self._emitter(turn.trace),
            clock=self.clock,
            first_clause_chars=self.settings.tts.first_clause_chars,
        )
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
                self._emitter(turn.trace)(ErrorEvent(t=self.clock(), code=exc.code, message=exc.message))
        return reply

    async def _finish(self, turn: _Turn, sink: AudioSink | None, phrases: tuple[str, ...] = ()) -> TurnResult:
        """Final transcript, then the reply. Never raises a HarkError: it becomes an error event."""
        emit = self._emitter(turn.trace)
        assert turn.capture is not None
        transcript: str | None = None
        reply: Reply | None = None
        try:
            try:
                result = await turn.capture.transcript()
            except HarkError:
                raise
            except Exception as exc:
                raise StageError("stt", f"{type(exc).__name__}: {exc}") from exc
            # the pre-roll holds the wake phrase; after a barge-in the user may say one anyway
            transcript = strip_wake_phrase(result.text, phrases or ((turn.wake.phrase,) if turn.wake else ()))
            emit(SttEnd(t=self.clock(), text=transcript, speculative_hit=result.speculative_hit))
            if not transcript:
                raise NoSpeechError("no request was heard")
            reply = await self._reply(turn, transcript, sink)
        except HarkError as exc:
            stage = Stage(exc.stage) if isinstance(exc, StageError) else Stage.STT
            emit(ErrorEvent(t=self.clock(), code=exc.code, message=exc.message, stage=stage))
        finally:
            await turn.capture.aclose()
            ok = reply is not None and reply.ok
            emit(RunEnd(t=self.clock(), run_id=turn.run_id, ok=ok))
        return TurnResult(turn.trace, transcript, reply, turn.wake)

    # -- one-shot turns ---------------------------------------------------------------------------
    async def ask_text(self, text: str, sink: AudioSink | None) -> TurnResult:
        turn = self._new_turn(Stage.BRAIN)
        reply = await self._reply(turn, text, sink)
        self._emitter(turn.trace)(RunEnd(t=self.clock(), run_id=turn.run_id, ok=reply.ok))
        return TurnResult(turn.trace, text, reply)

    async def ask_audio(self, samples: Int16Array, sink: AudioSink | None) -> TurnResult:
        """The whole recording is the request (no wake word); processed as fast as it decodes."""
        _, vad_factory = self.engines.need_stt()
        turn = self._new_turn(Stage.VAD)
        vad = vad_factory()
        turn.capture = capture = self._capture(turn, vad)
        window = vad.window_samples
        for i in range(0, len(samples) - window + 1, window):
            await capture.feed(samples[i : i + window], i / SAMPLE_RATE, self.clock())
            await asyncio.sleep(0)  # let speculative decodes start
        capture.end_of_stream()
        return await self._finish(turn, sink)

    # -- the loop -----------------------------------------------------------------------------------
    async def listen(
        self,
        source: AsyncIterator[AudioChunk],
        sink: AudioSink | None,
        *,
        on_turn: Callable[[TurnResult], None] | None = None,
        max_turns: int | None = None,
        wait_for_reply: bool = False,
    ) -> list[TurnResult]:
        """Serve one audio stream until it ends (or ``max_turns`` turns are done).

        ``wait_for_reply``: finish each reply before reading more audio (no
        barge-in); for sources that run faster than real time, such as a file
        processed as fast as possible.
        """
        if self.engines.wake_factory is None:
            raise EngineLoadError("listen needs a wake word engine")
        _, vad_factory = self.engines.need_stt()
        wake: WakeWordEngine = self.engines.wake_factory()
        capture_vad = vad_factory()
        barge_vad = vad_factory()
        window = capture_vad.window_samples
        window_s = window / SAMPLE_RATE
        s = self.settings
        preroll: collections.deque[Int16Array] = collections.deque(
            maxlen=max(1, round(s.wake.preroll_ms / 1000 / window_s))
        )
        barge_windows = max(1, round(s.turn.barge_in_ms / 1000 / window_s))
        results: list[TurnResult] = []
        carry = np.zeros(0, np.int16)
        carry_audio_t = 0.0
        carry_t = 0.0
        state = "wake"
        turn = self._begin_wake(wake)
        barge_run = 0
        responding: _Turn | None = None
        ringing: asyncio.Task[None] | None = None

        def done(result: TurnResult) -> None:
            results.append(result)
            if on_turn is not None:
                on_turn(result)

        try:
            async for chunk in source:
                if len(carry) == 0:
                    carry_audio_t, carry_t = chunk.audio_t, chunk.t
                carry = np.concatenate([carry, chunk.samples])
                n = len(carry) - len(carry) % window
                for i in range(0, n, window):
                    w = carry[i : i + window]
                    audio_t = carry_audio_t + i / SAMPLE_RATE
                    t = carry_t + i / SAMPLE_RATE

                    if responding is not None and responding.task is not None and responding.task.done():
                        finished = responding.task.result()
                        done(finished)
                        responding = None
                        if max_turns is not None and len(results) >= max_turns:
                            return results
                        if state == "respond":
                            if self._wants_follow_up(finished):
                                # chat mode, or the reply asked a question: listen without the wake word
                                state, turn = "capture", self._new_turn(Stage.VAD)
                                self._start_capture(
                                    turn, None, capture_vad, np.zeros(0, np.int16), audio_t, t, expect_speech=False
                                )
                                turn.follow_up = True
                            else:
                                state = "wake"
                                turn = self._begin_wake(wake)

                    if state == "wake":
                        preroll.append(w)
                        detections = wake.process(w, audio_t)
                        if self._rings and ringing is None and sink is not None:
                            ringing = asyncio.create_task(self._ring(sink), name="ring")
                            barge_run = 0
                            barge_vad.reset()
                        if ringing is not None and ringing.done():
                            ringing = None
                        speaking_over_ring = False
                        if ringing is not None and not detections:
                            # while something rings, any speech is heard without the wake word ("stop")
                            p = barge_vad.probability(to_float(w))
                            barge_run = barge_run + 1 if p >= s.turn.vad_threshold else 0
                            speaking_over_ring = barge_run >= barge_windows
                        if ringing is not None and (detections or speaking_over_ring):
                            await self._stop_task(ringing)
                            ringing = None
                        if speaking_over_ring:
                            wake.reset()
                            state = "capture"
                            self._start_capture(
                                turn,
                                None,
                                capture_vad,
                                np.concatenate(list(preroll)[-(barge_windows + 8) :]),
                                audio_t + window_s,
                                t + window_s,
                            )
                            preroll.clear()
                            barge_run = 0
                        elif detections:
                            # its sliding window still holds the detection: start clean next time
                            wake.reset()
                            state = "capture"
                            self._start_capture(
                                turn,
                                detections[0],
                                capture_vad,
                                np.concatenate(preroll),
                                audio_t + window_s,
                                t + window_s,
                            )
                            preroll.clear()
                    elif state == "capture":
                        assert turn.capture is not None
                        end = await turn.capture.feed(w, audio_t, t)
                        timeout = s.chat.silence_timeout_s if turn.follow_up else s.wake.speech_timeout_s
                        if end is None and not turn.capture.speech_started and audio_t - turn.started_audio_t > timeout:
                            if turn.follow_up:  # nobody answered: the conversation is over
                                if self.chat_mode and self.on_chat_end is not None:
                                    self.on_chat_end(self.conversation.id)
                                self.chat_mode = False
                                await self._drop(turn)
                            else:
                                await self._abandon(turn, done)
                            state, turn = "wake", self._begin_wake(wake)
                        elif end is not None:
                            turn.task = asyncio.create_task(
                                self._finish(turn, sink, wake.phrases), name=f"turn-{turn.run_id}"
                            )
                            responding, state = turn, "respond"
                            barge_run = 0
                            barge_vad.reset()
                            wake.reset()
                            if wait_for_reply:
                                await asyncio.wait([turn.task])
                    elif state == "respond":
                        preroll.append(w)
                        p = barge_vad.probability(to_float(w))
                        barge_run = barge_run + 1 if p >= s.turn.vad_threshold else 0
                        heard = wake.process(w, audio_t)
                        if (s.turn.barge_in and barge_run >= barge_windows) or heard:
                            assert responding is not None and responding.capture is not None
                            self._emitter(responding.trace)(BargeIn(t=self.clock(), audio_t=audio_t))
                            onset_t = t + window_s - barge_run * window_s
                            previous = responding.capture.ended
                            # speech soon after the end of the turn continues it: the pause was not the end
                            continued = (
                                not heard
                                and previous is not None
                                and onset_t - previous.speech_end_t <= s.turn.continuation_ms / 1000
                            )
                            result = await self._cancel(responding)
                            if result is not None and not continued:
                                done(result)
                            turn = self._new_turn(Stage.VAD)
                            if continued:
                                prime = np.concatenate([responding.capture.audio, *preroll])
                            else:
                                prime = np.concatenate(list(preroll)[-(barge_windows + 8) :])
                            self._start_capture(
                                turn,
                                heard[0] if heard else None,
                                capture_vad,
                                prime,
                                audio_t + window_s,
                                t + window_s,
                            )
                            if continued:
                                turn.wake = responding.wake
                            responding = None
                            preroll.clear()
                            state = "capture"
                            barge_run = 0
                            if max_turns is not None and len(results) >= max_turns:
                                return results
                carry = carry[n:]
                carry_audio_t += n / SAMPLE_RATE
                carry_t += n / SAMPLE_RATE
            # the stream ended: finish what is under way
            if state == "capture" and turn.capture is not None:
                if turn.capture.speech_started:
                    turn.capture.end_of_stream()
                    done(await self._finish(turn, sink, wake.phrases))
                elif turn.follow_up:
                    await self._drop(turn)
                else:
                    await self._abandon(turn, done)
            if responding is not None and responding.task is not None:
                done(await responding.task)
                responding = None
            return results
        finally:
            await self._stop_preparing()
            if ringing is not None:
                await self._stop_task(ringing)
            if responding is not None:
                await self._cancel(responding)
            if turn.capture is not None and turn.task is None:
                await turn.capture.aclose()

    # -- announcements (timers ringing, reminders) -----------------------------------------------
    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        """Queue something to say on this device when it is idle (the Announcer protocol)."""
        self._rings[key or uuid.uuid4().hex] = Announcement(text, chime, repeat_until_stopped)

    async def stop(self, device_id: str, key: str = "") -> bool:
        """Stop one ringing announcement, or all of them; True if anything was ringing."""
        if key:
            return self._rings.pop(key, None) is not None
        had = bool(self._rings)
        self._rings.clear()
        return had

    async def _ring(self, sink: AudioSink) -> None:
        """Play queued announcements; repeating ones every few seconds until stopped (10 min at most)."""
        deadline = self.clock() + RING_MAX_S
        tts = self.engines.tts
        while self._rings and self.clock() < deadline:
            for key, ring in list(self._rings.items()):
                audio: list[AudioChunk] = []
                if ring.chime:
                    audio.append(AudioChunk(chime(), SAMPLE_RATE, t=self.clock()))
                if tts is not None:
                    speech = await asyncio.to_thread(tts.synthesize, ring.text)
                    audio.append(AudioChunk(speech, tts.capabilities.sample_rate, t=self.clock()))
                await sink.play(_iterate(audio))
                if not ring.repeat:
                    self._rings.pop(key, None)
            if any(r.repeat for r in self._rings.values()):
                await asyncio.sleep(RING_GAP_S)
        if self._rings:  # rang for RING_MAX_S unanswered: give up on it
            self._rings.clear()

    @staticmethod
    async def _stop_task(task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _begin_wake(self, wake: WakeWordEngine) -> _Turn:
        turn = self._new_turn(Stage.WAKE)
        self._emitter(turn.trace)(WakeStart(t=self.clock(), wake_words=wake.phrases))
        return turn

    def _start_capture(
        self,
        turn: _Turn,
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
            turn.wake = detection
            self._emitter(turn.trace)(
                WakeEnd(
                    t=self.clock(), wake_word=detection.wake_word, phrase=detection.phrase, audio_t=detection.audio_t
                )
            )
        turn.capture = self._capture(turn, vad)
        turn.started_audio_t = audio_t
        self._prepare_brain()
        voiced = turn.capture.prime(preroll, audio_t=audio_t, t=t, after_wake=detection is not None)
        if detection is None and not voiced and expect_speech:
            turn.capture.mark_voiced()

    def _wants_follow_up(self, result: TurnResult) -> bool:
        """Keep the microphone open after this reply? Chat mode, or a reply that asks a question."""
        reply = result.reply
        if reply is None or reply.interrupted:
            return False
        for action in reply.actions:
            if action.name == "chat_mode":
                self.chat_mode = bool(action.arguments.get("on"))
        if self.chat_mode:
            return True
        return self.settings.chat.follow_up_on_question and reply.error is None and reply.text.rstrip().endswith("?")

    async def _drop(self, turn: _Turn) -> None:
        """End a follow-up capture that heard nothing: not an error, not a turn."""
        if turn.capture is not None:
            await turn.capture.aclose()
        self._emitter(turn.trace)(RunEnd(t=self.clock(), run_id=turn.run_id, ok=True))

    async def _abandon(self, turn: _Turn, done: Callable[[TurnResult], None]) -> None:
        emit = self._emitter(turn.trace)
        emit(
            ErrorEvent(
                t=self.clock(), code=NoSpeechError.code, message="no request after the wake word", stage=Stage.VAD
            )
        )
        if turn.capture is not None:
            await turn.capture.aclose()
        emit(RunEnd(t=self.clock(), run_id=turn.run_id, ok=False))
        done(TurnResult(turn.trace, None, None, turn.wake))

    async def _cancel(self, turn: _Turn) -> TurnResult | None:
        task = turn.task
        if task is None:
            return None
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # _finish's cleanup emits the run's end
        heard = turn.trace.first(SttEnd)
        return TurnResult(turn.trace, heard.text if isinstance(heard, SttEnd) else None, None, turn.wake)
