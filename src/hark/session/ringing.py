"""Announcements ringing on one device: timers, alarms, reminders, "announce ..." messages.

A device session queues what the household's hub sends it and plays it while it waits
for the wake word; any speech over a ring (or the wake word) silences it, and the
request that follows is heard without the wake word ("stop").
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from ..audio.sinks import AudioSink
from ..engines.base import TtsEngine
from ..engines.executor import infer
from ..pipeline.clock import Clock
from ..skills.base import Announcement

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


class Ringer:
    """The announcements queued for one device and the task that plays them."""

    def __init__(
        self,
        tts: TtsEngine | None,
        clock: Clock,
        *,
        gap_s: float = RING_GAP_S,
        max_s: float = RING_MAX_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        synthesize: Callable[[TtsEngine, str], Awaitable[Int16Array]] | None = None,
    ) -> None:
        self.tts = tts
        self.clock = clock
        self.gap_s = gap_s
        self.max_s = max_s
        self._sleep = sleep
        self._synthesize = synthesize or (lambda engine, text: infer(engine, engine.synthesize, text))
        self.queue: dict[str, Announcement] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        return bool(self.queue)

    @property
    def ringing(self) -> bool:
        return self._task is not None and not self._task.done()

    def add(self, announcement: Announcement, key: str = "") -> None:
        self.queue[key or uuid.uuid4().hex] = announcement

    def remove(self, key: str = "") -> bool:
        """Stop one announcement, or all of them; True if anything was queued or ringing."""
        if key:
            return self.queue.pop(key, None) is not None
        had = bool(self.queue)
        self.queue.clear()
        return had

    def start(self, sink: AudioSink) -> None:
        if self.queue and not self.ringing:
            self._task = asyncio.create_task(self._ring(sink), name="ring")

    async def silence(self) -> None:
        """Stop the sound now (what was queued stays queued until stopped or played)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ring(self, sink: AudioSink) -> None:
        """Play queued announcements; repeating ones every few seconds until stopped (``max_s`` at most)."""
        deadline = self.clock() + self.max_s
        while self.queue and self.clock() < deadline:
            for key, ring in list(self.queue.items()):
                audio: list[AudioChunk] = []
                if ring.chime:
                    audio.append(AudioChunk(chime(), SAMPLE_RATE, t=self.clock()))
                if self.tts is not None:
                    speech = await self._synthesize(self.tts, ring.text)
                    audio.append(AudioChunk(speech, self.tts.capabilities.sample_rate, t=self.clock()))
                await sink.play(_iterate(audio))
                if not ring.repeat:
                    self.queue.pop(key, None)
            if any(r.repeat for r in self.queue.values()):
                await self._sleep(self.gap_s)
        if self.queue:  # rang for max_s unanswered: give up on it
            self.queue.clear()
