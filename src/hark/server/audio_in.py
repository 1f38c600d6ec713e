"""A run's incoming audio: binary frames -> 16 kHz mono :class:`AudioChunk` s for the session.

Raw PCM frames are checked (whole samples, at most 64 KiB) and passed on; a browser's
WebM/Opus stream is decoded incrementally with PyAV in the stream's own thread (the
default thread pool is left to the engines) and resampled to 16 kHz mono. Chunks wait
on a bounded queue: audio that arrives faster than the session reads it is dropped and
reported once (``audio-overrun``), never buffered without bound.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from .errors import AUDIO_OVERRUN, BAD_AUDIO, FRAME_TOO_LARGE, ProtocolError
from .messages import MAX_FRAME_BYTES, AudioFormat

log = logging.getLogger(__name__)

MAX_QUEUED_S = 20.0
"""Audio waiting for the session; past it, frames are dropped (``audio-overrun``)."""


def check_pcm_frame(data: bytes) -> Int16Array:
    """A raw PCM frame -> its samples, or ProtocolError (recoverable: the frame is refused)."""
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(f"an audio frame is at most {MAX_FRAME_BYTES} bytes; got {len(data)}", code=FRAME_TOO_LARGE)
    if len(data) % 2:
        raise ProtocolError(
            f"PCM s16le frames hold whole 2-byte samples; got {len(data)} bytes (frame dropped)", code=BAD_AUDIO
        )
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


class AudioInput:
    """One run's audio stream. ``feed`` frames from the connection, ``end`` it, and iterate
    :meth:`chunks` (what the session's ``listen`` reads). ``on_error`` hears problems that
    are not the caller's frame at hand (a decoder failing, an overrun)."""

    def __init__(self, fmt: AudioFormat, on_error: Callable[[ProtocolError], None]) -> None:
        if fmt.format == "pcm_s16le" and (fmt.rate != SAMPLE_RATE or fmt.channels != 1):
            raise ProtocolError(f"pcm_s16le audio is {SAMPLE_RATE} Hz mono", code=BAD_AUDIO)
        self.format = fmt
        self._on_error = on_error
        self._queue: asyncio.Queue[AudioChunk | None] = asyncio.Queue()
        self._queued = 0
        """Samples waiting in the queue (bounded by MAX_QUEUED_S)."""
        self._samples = 0
        self._overrun_said = False
        self._ended = False
        self._decoder: _WebmDecoder | None = None
        if fmt.format == "webm-opus":
            self._decoder = _WebmDecoder(asyncio.get_running_loop(), self._push_samples, self._decoder_done)

    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    def feed(self, data: bytes) -> None:
        if self._ended:
            raise ProtocolError("audio after audio-end (frame dropped)", code=BAD_AUDIO)
        if self._decoder is not None:
            if len(data) > MAX_FRAME_BYTES:
                raise ProtocolError(f"an audio frame is at most {MAX_FRAME_BYTES} bytes", code=FRAME_TOO_LARGE)
            self._decoder.write(data)
            return
        self._push_samples(check_pcm_frame(data))

    def end(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._decoder is not None:
            self._decoder.finish()  # the decoder ends the queue once it has drained
        else:
            self._put(None)

    def _push_samples(self, samples: Int16Array) -> None:
        if len(samples) == 0:
            return
        chunk = AudioChunk(samples, SAMPLE_RATE, t=time.monotonic(), audio_t=self._samples / SAMPLE_RATE)
        self._samples += len(samples)
        self._put(chunk)

    def _put(self, chunk: AudioChunk | None) -> None:
        if chunk is not None and self._queued + len(chunk.samples) > MAX_QUEUED_S * SAMPLE_RATE:
            if not self._overrun_said:
                self._overrun_said = True
                self._on_error(
                    ProtocolError("audio arrives faster than it is heard: frames dropped", code=AUDIO_OVERRUN)
                )
            return
        if chunk is not None:
            self._queued += len(chunk.samples)
        self._queue.put_nowait(chunk)

    def _decoder_done(self, error: str | None) -> None:
        if error is not None:
            self._on_error(ProtocolError(f"the WebM/Opus stream does not decode: {error}", code=BAD_AUDIO))
        self._ended = True
        self._put(None)

    async def chunks(self) -> AsyncIterator[AudioChunk]:
        while True:
            chunk = await self._queue.get()
            if chunk is None:
                return
            self._queued -= len(chunk.samples)
            yield chunk

    async def aclose(self) -> None:
        self._ended = True
        if self._decoder is not None:
            await self._decoder.aclose()


class _Pipe(io.RawIOBase):
    """Bytes written from the event loop, read (blocking) by the decoder thread."""

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        with self._cond:
            while not self._buf and not self._eof:
                self._cond.wait()
            n = min(len(b), len(self._buf))
            b[:n] = self._buf[:n]
            del self._buf[:n]
            return n

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify()

    def finish(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify()


class _WebmDecoder:
    """PyAV demuxes and decodes the stream as its bytes arrive, in a thread of its own."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_samples: Callable[[Int16Array], None],
        on_done: Callable[[str | None], None],
    ) -> None:
        self._loop = loop
        self._on_samples = on_samples
        self._on_done = on_done
        self._pipe = _Pipe()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="webm-decoder", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        self._pipe.feed(data)

    def finish(self) -> None:
        self._pipe.finish()

    def _emit(self, samples: Int16Array) -> None:
        if not self._stopping:
            self._loop.call_soon_threadsafe(self._on_samples, samples)

    def _run(self) -> None:
        import av

        error: str | None = None
        try:
            with av.open(self._pipe, mode="r", format="webm") as container:
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
                for frame in container.decode(stream):
                    if self._stopping:
                        break
                    for out in resampler.resample(frame):
                        self._emit(np.asarray(out.to_ndarray()).reshape(-1).astype(np.int16))
                for out in resampler.resample(None):
                    self._emit(np.asarray(out.to_ndarray()).reshape(-1).astype(np.int16))
        except (av.FFmpegError, IndexError, ValueError) as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:  # a decoder bug must not kill the thread silently
            log.warning("WebM decoder failed", exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
        if not self._stopping:
            self._loop.call_soon_threadsafe(self._on_done, error)

    async def aclose(self) -> None:
        self._stopping = True
        self._pipe.finish()
        await asyncio.to_thread(self._thread.join, 5.0)
