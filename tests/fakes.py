"""Scriptable fakes for unit tests (never used by the product)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

import numpy as np

from hark.audio.chunk import AudioChunk
from hark.audio.sinks import AudioSink
from hark.brain.base import BrainRequest, ReplyPart
from hark.engines.base import Capabilities


class FakeTts:
    name = "fake-tts"
    voice = "fake"
    capabilities = Capabilities(sample_rate=16000)

    def __init__(self, *, fail_on: str | None = None, seconds_per_char: float = 0.01) -> None:
        self.fail_on = fail_on
        self.seconds_per_char = seconds_per_char
        self.spoken: list[str] = []

    def synthesize(self, text: str) -> np.ndarray:
        if self.fail_on is not None and self.fail_on in text:
            raise RuntimeError("synthesiser crashed")
        self.spoken.append(text)
        return np.full(int(16000 * self.seconds_per_char * len(text)), 1000, np.int16)


class ScriptedBrain:
    """Yields the given parts, sleeping ``delay`` before each; raises ``error`` after them if set."""

    name = "scripted"

    def __init__(self, parts: Sequence[ReplyPart], *, delay: float = 0.0, error: Exception | None = None) -> None:
        self.parts = list(parts)
        self.delay = delay
        self.error = error
        self.requests: list[BrainRequest] = []

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        self.requests.append(request)
        for part in self.parts:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield part
        if self.error is not None:
            raise self.error


class RecordingSink(AudioSink):
    """Plays in (scaled) real time and records what it played, with the clock time of each chunk."""

    name = "recording"

    def __init__(self, *, realtime_factor: float = 0.0, clock: Callable[[], float] | None = None) -> None:
        self.realtime_factor = realtime_factor
        self.chunks: list[AudioChunk] = []
        self.times: list[float] = []
        self.clock = clock or (lambda: 0.0)

    async def _write(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)
        self.times.append(self.clock())
        if not self.realtime_factor:
            self.position += chunk.seconds
            return
        left = chunk.seconds
        while left > 0:  # "play" in 20 ms steps so a cancel lands mid-chunk
            step = min(0.02, left)
            await asyncio.sleep(step * self.realtime_factor)
            self.position += step
            left -= step


class FakeStt:
    """Batch engine returning a scripted text per call; records the audio lengths it saw."""

    name = "fake-stt"
    capabilities = Capabilities()

    def __init__(self, texts: Callable[[int], str] | None = None, *, delay: float = 0.0) -> None:
        self.texts = texts or (lambda n: f"{n} samples")
        self.delay = delay
        self.calls: list[int] = []

    def transcribe(self, audio: np.ndarray) -> str:
        import time

        self.calls.append(len(audio))
        if self.delay:
            time.sleep(self.delay)
        return self.texts(len(audio))
