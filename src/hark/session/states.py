"""The listening state machine of one audio stream: wake -> capture -> respond -> (follow-up) ...

One :class:`Stream` holds what belongs to the stream (its wake word and VAD instances,
the pre-roll, the barge-in counter, the sink, the turns it produced) and the current
state. Each state is a small object whose ``step`` takes one VAD window of audio and
returns the next state:

* :class:`Waking`: listening for the wake word; announcements ring here, and any
  speech over a ring is heard without the wake word.
* :class:`Capturing`: a request is being captured (after the wake word, a barge-in,
  or as a follow-up without the wake word, which ends quietly if nobody speaks).
* :class:`Responding`: the reply runs as its own task while the stream is read on;
  speech over it (or the wake word) stops it (barge-in) and is heard at once.

The states need no model: wake word, VAD and recogniser come from the injected
engines, so a test scripts them and drives a fake clock.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Int16Array, to_float
from ..engines.base import VadEngine, WakeDetection, WakeWordEngine
from ..events import BargeIn, Stage
from ..pipeline.result import TurnResult
from .run import Run

if TYPE_CHECKING:
    from .device import DeviceSession


class State(Protocol):
    name: str

    async def step(self, stream: Stream, w: Int16Array, audio_t: float, t: float) -> State: ...


class BargeDetector:
    """Speech over sound the device plays: a run of voiced VAD windows long enough to be meant."""

    def __init__(self, vad: VadEngine, threshold: float, windows: int) -> None:
        self.vad = vad
        self.threshold = threshold
        self.windows = windows
        self.run = 0

    def hears(self, w: Int16Array) -> bool:
        p = self.vad.probability(to_float(w))
        self.run = self.run + 1 if p >= self.threshold else 0
        return self.run >= self.windows

    def reset(self) -> None:
        self.run = 0
        self.vad.reset()


@dataclasses.dataclass
class Stream:
    """One audio stream served by a device session."""

    session: DeviceSession
    wake: WakeWordEngine | None
    capture_vad: VadEngine
    barge: BargeDetector
    sink: object
    window_s: float
    preroll: collections.deque[Int16Array]
    on_turn: Callable[[TurnResult], None]
    max_turns: int | None = None
    wait_for_reply: bool = False
    wake_start: bool = True
    """Start each turn at the wake word; False: the device decides when a turn starts (it
    heard its own wake word, or a button), so the stream serves one turn and its follow-ups."""
    turns: int = 0
    finished: bool = False

    @property
    def phrases(self) -> tuple[str, ...]:
        return self.wake.phrases if self.wake is not None else ()

    def done(self, result: TurnResult) -> None:
        self.turns += 1
        self.on_turn(result)
        if self.max_turns is not None and self.turns >= self.max_turns:
            self.finished = True

    def waking(self) -> State:
        """Back to listening for the wake word (or, without one, the stream's turn is over)."""
        if self.wake is None or not self.wake_start:
            self.finished = True
            return Idle()
        return Waking(self.session.begin_wake(self.wake.phrases))

    def capture(
        self,
        run: Run,
        detection: WakeDetection | None,
        preroll: Int16Array,
        audio_t: float,
        t: float,
        *,
        expect_speech: bool = True,
    ) -> Capturing:
        self.session.start_capture(run, detection, self.capture_vad, preroll, audio_t, t, expect_speech=expect_speech)
        self.preroll.clear()
        return Capturing(run)

    def recent(self) -> Int16Array:
        """The pre-roll just before speech was heard over a sound (the barge-in onset and a margin)."""
        return np.concatenate(list(self.preroll)[-(self.barge.windows + 8) :]) if self.preroll else _EMPTY


_EMPTY = np.zeros(0, np.int16)


@dataclasses.dataclass
class Idle:
    """Nothing to listen for (a stream that served its turn)."""

    name: str = "idle"

    async def step(self, stream: Stream, w: Int16Array, audio_t: float, t: float) -> State:
        return self


@dataclasses.dataclass
class Waking:
    run: Run
    name: str = "wake"

    async def step(self, stream: Stream, w: Int16Array, audio_t: float, t: float) -> State:
        assert stream.wake is not None
        ringer = stream.session.ringer
        stream.preroll.append(w)
        detections = stream.wake.process(w, audio_t)
        if ringer.pending and not ringer.ringing and stream.sink is not None:
            ringer.start(stream.sink)  # type: ignore[arg-type]
            stream.barge.reset()
        over_ring = False
        if ringer.ringing and not detections:
            over_ring = stream.barge.hears(w)  # while something rings, any speech is heard ("stop")
        if ringer.ringing and (detections or over_ring):
            await ringer.silence()
        if not (detections or over_ring):
            return self
        # its sliding window still holds the detection: start clean next time
        stream.wake.reset()
        ahead = stream.window_s
        if over_ring:
            stream.barge.run = 0
            return stream.capture(self.run, None, stream.recent(), audio_t + ahead, t + ahead)
        return stream.capture(self.run, detections[0], np.concatenate(stream.preroll), audio_t + ahead, t + ahead)


@dataclasses.dataclass
class Capturing:
    run: Run
    name: str = "capture"

    async def step(self, stream: Stream, w: Int16Array, audio_t: float, t: float) -> State:
        session, run = stream.session, self.run
        capture = run.capture
        assert capture is not None
        end = await capture.feed(w, audio_t, t)
        if end is None:
            s = session.settings
            timeout = s.chat.silence_timeout_s if run.follow_up else s.wake.speech_timeout_s
            if capture.speech_started or audio_t - run.started_audio_t <= timeout:
                return self
            if run.follow_up:  # nobody answered: the conversation is over
                await session.drop(run)
            else:
                stream.done(await session.abandon(run))
            return stream.waking()
        run.task = asyncio.create_task(session.finish(run, stream.sink, stream.phrases), name=f"turn-{run.run_id}")  # type: ignore[arg-type]
        stream.barge.reset()
        if stream.wake is not None:
            stream.wake.reset()
        if stream.wait_for_reply:
            await asyncio.wait([run.task])
        return Responding(run)


@dataclasses.dataclass
class Responding:
    run: Run
    name: str = "respond"

    async def step(self, stream: Stream, w: Int16Array, audio_t: float, t: float) -> State:
        session, run = stream.session, self.run
        assert run.task is not None and run.capture is not None
        if run.task.done():
            result = run.task.result()
            stream.done(result)
            if stream.finished:
                return Idle()
            if session.wants_follow_up(result):
                # chat mode, or the reply asked a question: listen without the wake word
                follow = session.new_run(Stage.VAD, follow_up=True)
                nxt: State = stream.capture(follow, None, _EMPTY, audio_t, t, expect_speech=False)
            else:
                nxt = stream.waking()
            return await nxt.step(stream, w, audio_t, t)
        stream.preroll.append(w)
        speaking = stream.barge.hears(w)
        heard = stream.wake.process(w, audio_t) if stream.wake is not None else []
        if not ((session.settings.turn.barge_in and speaking) or heard):
            return self
        session.emitter(run.trace)(BargeIn(t=session.clock(), audio_t=audio_t))
        ahead = stream.window_s
        onset_t = t + ahead - stream.barge.run * ahead
        previous = run.capture.ended
        # speech soon after the end of the turn continues it: the pause was not the end
        continued = (
            not heard
            and previous is not None
            and onset_t - previous.speech_end_t <= session.settings.turn.continuation_ms / 1000
        )
        cut = await session.cancel(run)
        if cut is not None and not continued:
            stream.done(cut)
        if stream.finished:
            return Idle()
        new = session.new_run(Stage.VAD)
        prime = np.concatenate([run.capture.audio, *stream.preroll]) if continued else stream.recent()
        nxt_capture = stream.capture(new, heard[0] if heard else None, prime, audio_t + ahead, t + ahead)
        if continued:
            new.wake = run.wake
        stream.barge.run = 0
        return nxt_capture


def window_seconds(vad: VadEngine) -> float:
    return vad.window_samples / SAMPLE_RATE
