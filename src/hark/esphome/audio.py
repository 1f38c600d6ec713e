"""Reply audio to an ESPHome device: over the API (``VoiceAssistantAudio``, for devices with a
speaker on the voice assistant) and/or into a :class:`~.media.ReplyStream` the device fetches.

ESPHome plays API audio as 16 kHz, 16-bit mono PCM; replies are resampled to it. API audio
is sent in 512-sample messages (as Home Assistant sends it), paced a little ahead of the
device's playhead (by this side's clock, from the first message), so a long reply never
overruns the device's buffer and ``position`` is known. A hosted stream is written at
once: a media player buffers what it fetches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, to_float, to_int16
from ..audio.convert import resample
from ..audio.pacing import Playhead
from ..audio.sinks import AudioSink
from .media import ReplyStream

BLOCK_SAMPLES = 512
"""Samples per ``VoiceAssistantAudio`` message (1024 bytes)."""


class EsphomeSink(AudioSink):
    """Plays replies on one ESPHome device.

    :param send_audio: sends one PCM block over the API; None for devices without a speaker.
    :param on_start: called before a reply's first audio (the run's TTS events go out
        there); returns the stream to write the reply into, or None.
    :param on_end: called when a reply ends, with whether it was cut short.
    """

    name = "esphome"

    def __init__(
        self,
        *,
        send_audio: Callable[[bytes], None] | None,
        on_start: Callable[[], ReplyStream | None],
        on_end: Callable[[bool], None],
        lead_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.send_audio = send_audio
        self.on_start = on_start
        self.on_end = on_end
        self.playhead = Playhead(lead_s=lead_s, clock=clock)
        self._stream: ReplyStream | None = None

    @property
    def started_at(self) -> float | None:
        """When the current (or last) reply's first audio was handed on (``clock`` time)."""
        return self.playhead.started_at

    async def play(self, chunks: AsyncIterator[AudioChunk]) -> float:
        head = self.playhead
        self._stream = None
        head.reset()
        interrupted = True
        try:
            await super().play(chunks)
            if head.started_at is not None:
                await head.until_played()
                self.position = head.sent_s
            interrupted = False
            return self.position
        except asyncio.CancelledError:
            self.position = head.played()
            raise
        finally:
            if head.started_at is not None:
                if self._stream is not None:
                    self._stream.close()
                self.on_end(interrupted)

    async def _write(self, chunk: AudioChunk) -> None:
        head = self.playhead
        samples = chunk.samples
        if chunk.rate != SAMPLE_RATE:
            samples = to_int16(resample(to_float(samples), chunk.rate, SAMPLE_RATE))
        if head.started_at is None:
            self._stream = self.on_start()
            head.start()
        data = np.asarray(samples, dtype="<i2")
        if self._stream is not None:
            self._stream.write(data.tobytes())
        if self.send_audio is None:
            self.position = head.sent(len(data) / SAMPLE_RATE)
            return
        for i in range(0, len(data), BLOCK_SAMPLES):
            await head.within_lead()
            block = data[i : i + BLOCK_SAMPLES]
            self.send_audio(block.tobytes())
            self.position = head.sent(len(block) / SAMPLE_RATE)
