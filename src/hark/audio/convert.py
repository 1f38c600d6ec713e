"""Conversion to Hark's input format with a real resampler (libsoxr)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

from .chunk import SAMPLE_RATE, Int16Array


def mixdown(samples: npt.NDArray[np.floating], channels: int) -> npt.NDArray[np.float32]:
    """Interleaved multi-channel float samples -> mono (mean of channels)."""
    if channels == 1:
        return samples.astype(np.float32, copy=False)
    usable = len(samples) - len(samples) % channels
    return samples[:usable].reshape(-1, channels).mean(axis=1).astype(np.float32)


def resample(samples: npt.NDArray[np.float32], rate_in: int, rate_out: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """Whole-signal resampling (soxr HQ)."""
    if rate_in == rate_out or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    return np.asarray(soxr.resample(samples, rate_in, rate_out, quality="HQ"), dtype=np.float32)


class StreamResampler:
    """Chunk-by-chunk int16 resampling that keeps filter state across chunks."""

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        self.rate_in = rate_in
        self.rate_out = rate_out
        self._rs = (
            None if rate_in == rate_out else soxr.ResampleStream(rate_in, rate_out, 1, dtype="int16", quality="HQ")
        )

    def process(self, samples: Int16Array, last: bool = False) -> Int16Array:
        if self._rs is None:
            return samples
        return np.asarray(self._rs.resample_chunk(samples, last=last), dtype=np.int16)
