"""Audio across the Wyoming boundary.

In: ``audio-chunk`` payloads of any rate, sample width (1-4 bytes) and channel count are
checked, mixed down and resampled (libsoxr) to what the engines hear: 16 kHz, 16-bit mono.
Out: engine audio as ``audio-start`` / ``audio-chunk`` s / ``audio-stop``, 16-bit mono at the
engine's own rate (the peer converts, as Wyoming peers do).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterator

import numpy as np
from wyoming.audio import AudioChunk as WyChunk
from wyoming.audio import AudioStart, AudioStop
from wyoming.event import Event

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from ..audio.convert import StreamResampler
from .errors import AUDIO_OVERRUN, BAD_AUDIO, WyomingError

WIDTHS = (1, 2, 3, 4)
MAX_CHANNELS = 8
MIN_RATE, MAX_RATE = 4000, 192000
SAMPLES_PER_CHUNK = 1024
"""Reply audio goes out in chunks of this many samples (as Home Assistant sends it)."""
MAX_QUEUED_S = 20.0


@dataclasses.dataclass(frozen=True, slots=True)
class Format:
    rate: int
    width: int
    channels: int

    @classmethod
    def checked(cls, rate: object, width: object, channels: object) -> Format:
        """The format of a start or chunk, or a :class:`WyomingError` (``wyoming-bad-audio``)."""
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (rate, width, channels)):
            raise WyomingError("audio rate, width and channels must be integers", code=BAD_AUDIO)
        assert isinstance(rate, int) and isinstance(width, int) and isinstance(channels, int)
        if width not in WIDTHS:
            raise WyomingError(f"sample width {width} bytes: Hark takes 1, 2, 3 or 4", code=BAD_AUDIO)
        if not 1 <= channels <= MAX_CHANNELS:
            raise WyomingError(f"{channels} channels: Hark takes 1 to {MAX_CHANNELS}", code=BAD_AUDIO)
        if not MIN_RATE <= rate <= MAX_RATE:
            raise WyomingError(f"sample rate {rate} Hz: Hark takes {MIN_RATE} to {MAX_RATE}", code=BAD_AUDIO)
        return cls(rate, width, channels)


def _to_int16(payload: bytes, width: int) -> Int16Array:
    if width == 2:
        return np.frombuffer(payload, dtype="<i2").astype(np.int16)
    if width == 1:  # unsigned 8-bit
        return ((np.frombuffer(payload, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    if width == 3:
        raw = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3)
        return np.asarray(raw[:, 1].astype(np.uint16) | (raw[:, 2].astype(np.uint16) << 8)).view(np.int16)
    return (np.frombuffer(payload, dtype="<i4") >> 16).astype(np.int16)


class Decoder:
    """One stream's chunks -> 16 kHz mono int16, keeping the resampler's state across chunks.
    A format change mid-stream starts a new resampler (what was held back of the old one is flushed)."""

    def __init__(self, fmt: Format | None = None) -> None:
        self.format = fmt
        self._resampler = StreamResampler(fmt.rate) if fmt is not None else None
        self.samples = 0
        """16 kHz samples decoded so far (the stream's position)."""

    def decode(self, chunk: WyChunk) -> Int16Array:
        fmt = Format.checked(chunk.rate, chunk.width, chunk.channels)
        frame = fmt.width * fmt.channels
        if len(chunk.audio) % frame:
            raise WyomingError(
                f"an audio chunk holds whole frames of {frame} bytes; got {len(chunk.audio)} (chunk dropped)",
                code=BAD_AUDIO,
            )
        head = np.zeros(0, np.int16)
        if self._resampler is None or fmt != self.format:
            if self._resampler is not None:
                head = self._resampler.process(np.zeros(0, np.int16), last=True)
            self.format, self._resampler = fmt, StreamResampler(fmt.rate)
        samples = _to_int16(chunk.audio, fmt.width)
        if fmt.channels > 1:
            samples = samples.reshape(-1, fmt.channels).mean(axis=1).astype(np.int16)
        out = self._resampler.process(samples)
        if len(head):
            out = np.concatenate([head, out])
        self.samples += len(out)
        return out

    def flush(self) -> Int16Array:
        if self._resampler is None:
            return np.zeros(0, np.int16)
        out = self._resampler.process(np.zeros(0, np.int16), last=True)
        self.samples += len(out)
        return out


class AudioStream:
    """A run's incoming audio as the async source a device session listens to: ``push`` from the
    connection, ``end`` it, iterate :meth:`chunks`. Bounded: audio that arrives faster than it is
    heard (more than ``MAX_QUEUED_S`` waiting) is dropped and reported once through ``on_error``."""

    def __init__(self, on_error: Callable[[WyomingError], None]) -> None:
        self._queue: asyncio.Queue[AudioChunk | None] = asyncio.Queue()
        self._queued = 0
        self._position = 0
        self._on_error = on_error
        self._overrun_said = False
        self.ended = False

    def push(self, samples: Int16Array) -> None:
        if self.ended or not len(samples):
            return
        if self._queued + len(samples) > MAX_QUEUED_S * SAMPLE_RATE:
            if not self._overrun_said:
                self._overrun_said = True
                self._on_error(
                    WyomingError("audio arrives faster than it is heard: chunks dropped", code=AUDIO_OVERRUN)
                )
            return
        chunk = AudioChunk(samples, SAMPLE_RATE, t=time.monotonic(), audio_t=self._position / SAMPLE_RATE)
        self._position += len(samples)
        self._queued += len(samples)
        self._queue.put_nowait(chunk)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self._queue.put_nowait(None)

    async def chunks(self) -> AsyncIterator[AudioChunk]:
        while (chunk := await self._queue.get()) is not None:
            self._queued -= len(chunk.samples)
            yield chunk


def audio_events(samples: Int16Array, rate: int, *, start: bool = True, stop: bool = True) -> Iterator[Event]:
    """Samples -> ``audio-start``, ``audio-chunk`` s of :data:`SAMPLES_PER_CHUNK`, ``audio-stop``."""
    if start:
        yield AudioStart(rate=rate, width=2, channels=1, timestamp=0).event()
    data = np.ascontiguousarray(samples, dtype="<i2")
    for i in range(0, len(data), SAMPLES_PER_CHUNK):
        yield WyChunk(rate=rate, width=2, channels=1, audio=data[i : i + SAMPLES_PER_CHUNK].tobytes()).event()
    if stop:
        yield AudioStop(timestamp=int(len(data) * 1000 / rate)).event()
