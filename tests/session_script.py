"""Scripted engines and audio for the session state machine's tests: no model, a fake clock.

The audio itself carries the script, one constant value per 32 ms window: 0 is silence,
:data:`WAKE` is the wake word, ``SPEECH + k`` is the ``k``-th phrase of :data:`PHRASES`.
The VAD hears any non-zero window as speech, the wake word engine fires on a :data:`WAKE`
window, the recogniser returns the phrases whose windows it was given, and Smart Turn
always finds the turn complete. The clock is the stream position of the window being
read, so every event's ``t`` is exact. Gates (:meth:`Script.until`) hold the audio until
the reply reaches a state (playing, done), so no test sleeps.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable

import numpy as np

from hark.audio.chunk import SAMPLE_RATE, AudioChunk
from hark.audio.sinks import AudioSink
from hark.engines.base import Capabilities, WakeDetection
from hark.engines.registry import Engines
from hark.events import Event, TtsAudio
from tests.fakes import FakeTts

WINDOW = 512
WINDOW_S = WINDOW / SAMPLE_RATE
WAKE = 7000
SPEECH = 1000
PHRASES = ["", "what time is it", "set a timer", "stop", "tell me more", "i like jazz", "the kitchen"]


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class ScriptedVad:
    name = "scripted-vad"
    window_samples = WINDOW

    def probability(self, window: np.ndarray) -> float:
        return 1.0 if np.any(window != 0) else 0.0

    def reset(self) -> None:
        pass


class ScriptedWake:
    name = "scripted-wake"
    capabilities = Capabilities()
    phrases = ("Hey Jarvis",)

    def process(self, samples: np.ndarray, audio_t: float) -> list[WakeDetection]:
        if np.any(samples == WAKE):
            return [WakeDetection("hey_jarvis", "Hey Jarvis", audio_t)]
        return []

    def reset(self) -> None:
        pass


class ScriptedStt:
    name = "scripted-stt"
    capabilities = Capabilities()

    def transcribe(self, audio: np.ndarray) -> str:
        values = np.rint(audio * 32768.0).astype(np.int32)
        said: list[str] = []
        for v in values[values > SPEECH]:
            k = int(v) - SPEECH
            if k < len(PHRASES) and PHRASES[k] not in said:
                said.append(PHRASES[k])
        return ". ".join(said)


class CompleteTurn:
    name = "complete"

    def probability_complete(self, audio: np.ndarray) -> float:
        return 1.0


def engines(*, wake: bool = True) -> Engines:
    return Engines(
        stt=ScriptedStt(),
        tts=FakeTts(seconds_per_char=0.01),
        vad_factory=ScriptedVad,
        wake_factory=ScriptedWake if wake else None,
        turn=CompleteTurn(),
    )


class GatedSink(AudioSink):
    """A speaker that plays a chunk only when the test opens the gate (``hold=False``: at once)."""

    name = "gated"

    def __init__(self, *, hold: bool = False) -> None:
        self.gate = asyncio.Event()
        if not hold:
            self.gate.set()
        self.playing = asyncio.Event()
        self.chunks: list[AudioChunk] = []

    async def _write(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)
        self.playing.set()
        await self.gate.wait()
        self.position += chunk.seconds


@dataclasses.dataclass
class Script:
    """The audio of a test, built step by step, then read by the session as its source."""

    clock: FakeClock
    steps: list[tuple[str, object]] = dataclasses.field(default_factory=list)

    def silence(self, seconds: float) -> Script:
        return self._windows(0, seconds)

    def wake(self) -> Script:
        return self._windows(WAKE, WINDOW_S * 8)

    def say(self, phrase: str, seconds: float = 0.64) -> Script:
        return self._windows(SPEECH + PHRASES.index(phrase), seconds)

    def until(self, condition: Callable[[], bool], why: str) -> Script:
        """Hold the audio until ``condition`` holds (checked as the event loop runs)."""
        self.steps.append(("until", (condition, why)))
        return self

    def _windows(self, value: int, seconds: float) -> Script:
        self.steps.append(("audio", (value, max(1, round(seconds / WINDOW_S)))))
        return self

    async def source(self) -> AsyncIterator[AudioChunk]:
        position = 0.0
        for kind, arg in self.steps:
            if kind == "until":
                condition, why = arg  # type: ignore[misc]
                for _ in range(2000):  # ~10 s of event-loop turns at most
                    if condition():
                        break
                    await asyncio.sleep(0.005)
                else:
                    raise AssertionError(f"the session never got to: {why}")
                continue
            value, count = arg  # type: ignore[misc]
            for _ in range(count):
                self.clock.t = position
                yield AudioChunk(np.full(WINDOW, value, np.int16), SAMPLE_RATE, t=position, audio_t=position)
                position += WINDOW_S
        self.clock.t = position


def kinds(events: list[Event]) -> list[str]:
    """Event types in order, a run of ``tts-audio`` counted once."""
    out: list[str] = []
    for e in events:
        if isinstance(e, TtsAudio) and out and out[-1] == "tts-audio":
            continue
        out.append(e.type)
    return out
