"""Reply audio to a Wyoming satellite: ``audio-start``, ``audio-chunk`` s, ``audio-stop``.

Sent a little ahead (``lead_s``) of where the satellite's speaker is, by the server's clock from
the first chunk, so ``position`` (how much was heard) is known when speech cuts the reply
(barge-in): the reply then stops with ``audio-stop`` at once. The reply is over when its last
sample has been played, not when it was sent. A new rate mid-reply (a chime, then speech) is a
new audio group.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import numpy as np
from wyoming.audio import AudioChunk as WyChunk
from wyoming.audio import AudioStart, AudioStop

from ..audio.chunk import AudioChunk
from ..audio.sinks import AudioSink
from .audio import SAMPLES_PER_CHUNK
from .outbox import Outbox


class WyomingSink(AudioSink):
    name = "wyoming"

    def __init__(self, outbox: Outbox, *, lead_s: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.outbox = outbox
        self.lead_s = lead_s
        self.clock = clock
        self._rate: int | None = None
        self._started_at: float | None = None
        self._sent_s = 0.0

    def _played(self) -> float:
        if self._started_at is None:
            return 0.0
        return max(0.0, min(self._sent_s, self.clock() - self._started_at))

    async def _until_played(self) -> None:
        if self._started_at is not None and not self.outbox.failed.is_set():
            await asyncio.sleep(max(0.0, self._started_at + self._sent_s - self.clock()))

    async def play(self, chunks: AsyncIterator[AudioChunk]) -> float:
        self._rate, self._started_at, self._sent_s = None, None, 0.0
        try:
            await super().play(chunks)
            await self._until_played()
            self.position = self._sent_s
            return self.position
        except asyncio.CancelledError:
            self.position = self._played()
            raise
        finally:
            if self._rate is not None:
                self.outbox.send(AudioStop(timestamp=int(self._sent_s * 1000)).event())

    async def _write(self, chunk: AudioChunk) -> None:
        if chunk.rate != self._rate:
            if self._rate is not None:
                await self._until_played()
                self.outbox.send(AudioStop(timestamp=int(self._sent_s * 1000)).event())
            self._rate = chunk.rate
            await self.outbox.put(AudioStart(rate=chunk.rate, width=2, channels=1, timestamp=0).event())
        if self._started_at is None:
            self._started_at = self.clock()
        data = np.ascontiguousarray(chunk.samples, dtype="<i2")
        for i in range(0, len(data), SAMPLES_PER_CHUNK):
            ahead = self._started_at + self._sent_s - self.clock() - self.lead_s
            if ahead > 0 and not self.outbox.failed.is_set():  # nobody listens any more: no pacing
                await asyncio.sleep(ahead)
            piece = data[i : i + SAMPLES_PER_CHUNK]
            await self.outbox.put(WyChunk(rate=chunk.rate, width=2, channels=1, audio=piece.tobytes()).event())
            self._sent_s += len(piece) / chunk.rate
            self.position = self._played()
