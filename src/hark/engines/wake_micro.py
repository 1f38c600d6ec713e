"""Wake words with microWakeWord (``pymicro-wakeword``): models ship in the wheel."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Int16Array
from ..errors import EngineLoadError
from .base import Capabilities, WakeDetection

_FEATURE_STEP_S = 0.010  # one feature frame per 10 ms


class MicroWakeWordEngine:
    """Several wake words at once over one shared feature front end."""

    name = "micro-wakeword"
    capabilities = Capabilities(streaming=True, languages=("en",))

    def __init__(self, words: tuple[str, ...], *, refractory_s: float = 2.0) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except ImportError as exc:
            raise EngineLoadError("pymicro-wakeword is not installed (pip install pymicro-wakeword)") from exc
        self._features_cls = MicroWakeWordFeatures
        self._models = []
        for w in words:
            try:
                if w.endswith(".json"):
                    model = MicroWakeWord.from_config(Path(w))
                else:
                    model = MicroWakeWord.from_builtin(Model(w))
            except (ValueError, OSError, KeyError) as exc:
                raise EngineLoadError(f"wake word {w!r} could not be loaded: {exc}") from exc
            self._models.append(model)
        self._features = MicroWakeWordFeatures()
        self._refractory_s = refractory_s
        self._last: dict[str, float] = {}
        self._position = 0

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(m.wake_word for m in self._models)

    def process(self, samples: Int16Array, audio_t: float) -> list[WakeDetection]:
        out: list[WakeDetection] = []
        end_t = audio_t + len(samples) / SAMPLE_RATE
        for features in self._features.process_streaming(np.ascontiguousarray(samples, "<i2").tobytes()):
            for model in self._models:
                if model.process_streaming(features):
                    last = self._last.get(model.id, -1e9)
                    if end_t - last >= self._refractory_s:
                        self._last[model.id] = end_t
                        out.append(WakeDetection(model.id, model.wake_word, end_t))
        return out

    def reset(self) -> None:
        self._features = self._features_cls()
        for model in self._models:
            model.reset()
