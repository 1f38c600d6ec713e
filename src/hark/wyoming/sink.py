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
from ..audio.pacing import Playhead
from ..audio.sinks import AudioSink
from .audio import SAMPLES_PER_CHUNK
from .outbox import Outbox


class WyomingSink(AudioSink):
    name = "wyoming"

    def __init__(self, outbox: Outbox, *, lead_s: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.outbox = outbox
        self.playhead = Playhead(lead_s=lead_s, clock=clock)
        self._rate: int | None = None

    async def _until_played(self) -> None:
        if not self.outbox.failed.is_set():  # nobody listens any more: no waiting
            await self.playhead.until_played()

    async def play(self, chunks: AsyncIterator[AudioChunk]) -> float:
        head = self.playhead
        self._rate = None
        head.reset()
        try:
            await super().play(chunks)
            await self._until_played()
            self.position = head.sent_s
            return self.position
        except asyncio.CancelledError:
            self.position = head.played()
            raise
        finally:
            if self._rate is not None:
                self.outbox.send(AudioStop(timestamp=int(head.sent_s * 1000)).event())

    async def _write(self, chunk: AudioChunk) -> None:
        head = self.playhead
        if chunk.rate != self._rate:
            if self._rate is not None:
                await self._until_played()
                self.outbox.send(AudioStop(timestamp=int(head.sent_s * 1000)).event())
            self._rate = chunk.rate
            await self.outbox.put(AudioStart(rate=chunk.rate, width=2, channels=1, timestamp=0).event())
        head.start()
        data = np.ascontiguousarray(chunk.samples, dtype="<i2")
        for i in range(0, len(data), SAMPLES_PER_CHUNK):
            if not self.outbox.failed.is_set():  # nobody listens any more: no pacing
                await head.within_lead()
            piece = data[i : i + SAMPLES_PER_CHUNK]
            await self.outbox.put(WyChunk(rate=chunk.rate, width=2, channels=1, audio=piece.tobytes()).event())
            self.position = head.sent(len(piece) / chunk.rate)
