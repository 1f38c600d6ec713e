"""Reply audio to a WebSocket client, paced at real time a little ahead of its playhead.

The sink sends ``audio-start``, binary PCM frames and ``audio-stop`` through the
connection's :class:`~hark.server.outbox.Outbox`. It keeps at most ``lead_s`` of audio
ahead of where the device's playhead is (by the server's own clock, from the first
frame), so ``position`` (how much the device has played) is known to within the lead
without the device reporting it: that is the barge-in position. Cancelling ``play``
sends ``audio-clear``, and the device drops what it has not played yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from ..audio.chunk import AudioChunk
from ..audio.pacing import Playhead
from ..audio.sinks import AudioSink
from .messages import AudioClear, AudioStart, AudioStop
from .outbox import Outbox

FRAME_MS = 40


class WebSocketSink(AudioSink):
    name = "websocket"

    def __init__(self, outbox: Outbox, *, lead_s: float = 0.25, clock: Callable[[], float] = time.monotonic) -> None:
        self.outbox = outbox
        self.playhead = Playhead(lead_s=lead_s, clock=clock)
        self._rate: int | None = None
        self.reported_played_s: float | None = None
        """What the device says it played (``playback`` messages); informative."""

    async def play(self, chunks: AsyncIterator[AudioChunk]) -> float:
        head = self.playhead
        self._rate = None
        head.reset()
        self.reported_played_s = None
        try:
            await super().play(chunks)
            if head.started_at is not None:
                # the device plays what it was sent ahead: the reply is over when the playhead is
                await head.until_played()
                self.position = head.sent_s
                self.outbox.send(AudioStop(played_s=round(self.position, 3)))
            return self.position
        except asyncio.CancelledError:
            self.position = head.played()
            if head.started_at is not None:
                self.outbox.send(AudioClear(played_s=round(self.position, 3)))
            raise

    async def _write(self, chunk: AudioChunk) -> None:
        head = self.playhead
        if chunk.rate != self._rate:
            if self._rate is not None:  # a new rate mid-reply (a chime, then speech)
                await head.until_played()
            self._rate = chunk.rate
            self.outbox.send(AudioStart(rate=chunk.rate))
        head.start()
        block = chunk.rate * FRAME_MS // 1000
        data = chunk.samples.astype("<i2", copy=False)
        for i in range(0, len(data), block):
            await head.within_lead()
            piece = data[i : i + block]
            await self.outbox.room(piece.nbytes)
            self.outbox.send_audio(piece.tobytes())
            self.position = head.sent(len(piece) / chunk.rate)
