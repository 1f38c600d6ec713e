"""Audio sinks: where replies are played.

A sink plays one reply at a time through :meth:`AudioSink.play`, which returns
the seconds actually played. Cancelling the task that runs ``play`` stops the
sound at once (barge-in): a real-time sink never has more than one block queued
ahead of the playhead.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from ..errors import AudioDeviceError
from .chunk import AudioChunk, to_float, to_int16
from .convert import resample


class AudioSink(abc.ABC):
    name = "sink"
    position = 0.0
    """Seconds of the current reply played so far (kept up to date while playing)."""
    gain = 1.0
    """Linear volume applied to everything played (the device's volume setting)."""

    async def play(self, chunks: AsyncIterator[AudioChunk]) -> float:
        """Play chunks as they come; return seconds played. Cancellable: ``position``
        then tells how far playback got."""
        self.position = 0.0
        async for chunk in chunks:
            if self.gain != 1.0:
                scaled = np.clip(chunk.samples.astype(np.float32) * self.gain, -32768, 32767).astype(np.int16)
                chunk = dataclasses.replace(chunk, samples=scaled)
            await self._write(chunk)
        return self.position

    @abc.abstractmethod
    async def _write(self, chunk: AudioChunk) -> None:
        """Play one chunk, advancing ``position`` as it goes."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass


class NullSink(AudioSink):
    """Discards audio (text-only runs still synthesise, so TTS timings are real)."""

    name = "null"

    def __init__(self) -> None:
        self.chunks = 0
        """How many chunks it was given (counted, not kept: a session may live for months)."""

    async def _write(self, chunk: AudioChunk) -> None:
        self.chunks += 1
        self.position += chunk.seconds


class WavFileSink(AudioSink):
    """Writes replies into one WAV file, one after another.

    ``realtime``: consume audio at the pace a speaker would, so a barge-in cuts
    the written reply where the playhead was.
    """

    name = "wav"

    def __init__(self, path: str | Path, *, realtime: bool = False, block_ms: int = 40) -> None:
        self.path = Path(path)
        self.realtime = realtime
        self.block_ms = block_ms
        self._wav: wave.Wave_write | None = None
        self._rate: int | None = None
        self.seconds_written = 0.0

    def _open(self, rate: int) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            w = wave.open(str(self.path), "wb")  # noqa: SIM115 - kept open across replies, closed in close()
        except OSError as exc:
            raise AudioDeviceError(f"cannot write {self.path}: {exc.strerror}") from exc
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        self._wav, self._rate = w, rate

    async def _write(self, chunk: AudioChunk) -> None:
        if self._wav is None:
            self._open(chunk.rate)
        assert self._wav is not None and self._rate is not None
        samples = chunk.samples
        if chunk.rate != self._rate:
            # each chunk is a whole synthesised segment: resample it whole (no filter tail held back)
            samples = to_int16(resample(to_float(samples), chunk.rate, self._rate))
        if not self.realtime:
            self._wav.writeframes(samples.astype("<i2").tobytes())
            self.seconds_written += len(samples) / self._rate
            self.position += len(samples) / self._rate
            return
        block = self._rate * self.block_ms // 1000
        played = 0.0
        start = time.monotonic()
        for i in range(0, len(samples), block):
            piece = samples[i : i + block]
            # write, then wait for the "speaker" to play it: cancellation lands between blocks
            self._wav.writeframes(piece.astype("<i2").tobytes())
            played += len(piece) / self._rate
            self.seconds_written += len(piece) / self._rate
            self.position += len(piece) / self._rate
            delay = start + played - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None


class SpeakerSink(AudioSink):
    """Plays through PortAudio. Opens the output stream at the reply's rate."""

    name = "speaker"

    def __init__(self, device: str = "", *, block_ms: int = 40) -> None:
        from .sources import _sounddevice

        self._sd = _sounddevice()
        self.device = device or None
        self.block_ms = block_ms
        self._stream: object | None = None
        self._rate: int | None = None

    def _ensure(self, rate: int) -> object:
        sd = self._sd
        if self._stream is None or self._rate != rate:
            if self._stream is not None:
                self._stream.close()  # type: ignore[attr-defined]
            try:
                stream = sd.RawOutputStream(samplerate=rate, channels=1, dtype="int16", device=self.device)
                stream.start()
            except (sd.PortAudioError, ValueError) as exc:
                raise AudioDeviceError(f"cannot open the speaker: {exc}") from exc
            self._stream, self._rate = stream, rate
        return self._stream

    async def _write(self, chunk: AudioChunk) -> None:
        stream = self._ensure(chunk.rate)
        block = chunk.rate * self.block_ms // 1000
        for i in range(0, len(chunk.samples), block):
            piece = np.ascontiguousarray(chunk.samples[i : i + block], dtype="<i2")
            # blocking write of one short block off the loop; cancellation waits at most one block
            await asyncio.to_thread(stream.write, piece.tobytes())  # type: ignore[attr-defined]
            self.position += len(piece) / chunk.rate

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.close()  # type: ignore[attr-defined]
            self._stream = None
