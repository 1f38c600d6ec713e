"""Typed audio chunks: the unit that flows between stages."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16000
"""Every stage before TTS sees 16 kHz, 16-bit, mono."""
SAMPLE_WIDTH = 2
CHANNELS = 1

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class AudioChunk:
    """Mono 16-bit PCM samples.

    ``t``: monotonic time at which the first sample was captured (or made).
    ``audio_t``: position of the first sample in its stream, in seconds.
    """

    samples: Int16Array
    rate: int = SAMPLE_RATE
    t: float = 0.0
    audio_t: float = 0.0

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    @property
    def end_audio_t(self) -> float:
        return self.audio_t + self.seconds

    def to_bytes(self) -> bytes:
        return self.samples.astype("<i2", copy=False).tobytes()


def to_float(samples: Int16Array) -> Float32Array:
    return (samples.astype(np.float32) / 32768.0).astype(np.float32, copy=False)


def to_int16(samples: npt.NDArray[np.floating]) -> Int16Array:
    return np.asarray(np.clip(samples, -1.0, 1.0) * 32767.0, dtype=np.int16)
