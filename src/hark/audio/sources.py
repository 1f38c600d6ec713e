"""Audio sources: async iterators of 16 kHz mono :class:`AudioChunk`.

``wav_source`` plays a file in real time (or as fast as possible), which makes
a WAV file a stand-in for a microphone with true timings. ``microphone_source``
reads PortAudio through ``sounddevice`` on its callback thread and hands chunks
to the event loop without polling.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from ..errors import AudioDeviceError
from .chunk import SAMPLE_RATE, AudioChunk, Int16Array
from .convert import StreamResampler
from .wav import read_wav


async def array_source(
    samples: Int16Array,
    *,
    block_ms: int = 32,
    realtime: bool = True,
    tail_silence_s: float = 0.0,
) -> AsyncIterator[AudioChunk]:
    """Yield 16 kHz samples block by block; in real time, each block when it "arrives"."""
    block = SAMPLE_RATE * block_ms // 1000
    if tail_silence_s > 0:
        samples = np.concatenate([samples, np.zeros(int(tail_silence_s * SAMPLE_RATE), np.int16)])
    start = time.monotonic()
    for i in range(0, len(samples), block):
        piece = samples[i : i + block]
        audio_t = i / SAMPLE_RATE
        if realtime:
            # A block is available once its last sample has been "captured".
            due = start + audio_t + len(piece) / SAMPLE_RATE
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            yield AudioChunk(piece, SAMPLE_RATE, t=start + audio_t, audio_t=audio_t)
        else:
            yield AudioChunk(piece, SAMPLE_RATE, t=time.monotonic(), audio_t=audio_t)
            await asyncio.sleep(0)


async def wav_source(
    path: str | Path, *, block_ms: int = 32, realtime: bool = True, tail_silence_s: float = 0.0
) -> AsyncIterator[AudioChunk]:
    samples, _ = read_wav(path)
    async for chunk in array_source(samples, block_ms=block_ms, realtime=realtime, tail_silence_s=tail_silence_s):
        yield chunk


def _sounddevice():  # type: ignore[no-untyped-def]
    try:
        import sounddevice
    except OSError as exc:
        raise AudioDeviceError(
            "PortAudio is not installed, so no microphone or speaker can be used "
            "(Debian/Ubuntu: apt install libportaudio2). Use --input FILE.wav / --output FILE.wav instead."
        ) from exc
    return sounddevice


def has_microphone(device: str = "") -> bool:
    try:
        sd = _sounddevice()
        info = sd.query_devices(device or None, "input")
        return bool(info and info.get("max_input_channels", 0) > 0)
    except Exception:
        return False


async def microphone_source(device: str = "", *, block_ms: int = 32) -> AsyncIterator[AudioChunk]:
    """Capture from a PortAudio input device (default device if ``device`` is empty)."""
    sd = _sounddevice()
    try:
        info = sd.query_devices(device or None, "input")
    except (ValueError, sd.PortAudioError) as exc:
        raise AudioDeviceError(
            f"no microphone found ({exc}). Plug one in, name one with audio.input_device, or use --input FILE.wav"
        ) from exc
    rate = int(info["default_samplerate"])
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()

    def callback(indata: bytes, frames: int, time_info: object, status: object) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (bytes(indata), time.monotonic() - frames / rate))

    resampler = StreamResampler(rate, SAMPLE_RATE)
    try:
        stream = sd.RawInputStream(
            samplerate=rate,
            blocksize=rate * block_ms // 1000,
            device=device or None,
            channels=1,
            dtype="int16",
            callback=callback,
        )
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot open the microphone: {exc}") from exc
    position = 0
    with stream:
        while True:
            item = await queue.get()
            if item is None:
                break
            raw, t = item
            samples = resampler.process(np.frombuffer(raw, np.int16))
            if len(samples) == 0:
                continue
            yield AudioChunk(samples, SAMPLE_RATE, t=t, audio_t=position / SAMPLE_RATE)
            position += len(samples)
