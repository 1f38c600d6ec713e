"""Semantic end of turn with Smart Turn v3 (ONNX, Whisper-style log-mel input).

The model hears the last 8 s of the turn and tells whether the user sounds
finished ("what time is it" versus "set a timer for, um"). It runs on short
pauses only, so its ~70 ms on one core is spent a few times per turn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError

_WINDOW_S = 8


class SmartTurnDetector:
    name = "smart-turn-v3"

    def __init__(self, model_path: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from faster_whisper.feature_extractor import FeatureExtractor
        except ImportError as exc:
            raise EngineLoadError(f"Smart Turn needs onnxruntime and faster-whisper: {exc}") from exc
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EngineLoadError(f"cannot load Smart Turn model {model_path}: {exc}") from exc
        self._features = FeatureExtractor(feature_size=80, chunk_length=_WINDOW_S)
        self.model_path = model_path

    def probability_complete(self, audio: Float32Array) -> float:
        n = _WINDOW_S * SAMPLE_RATE
        x = audio[-n:] if len(audio) > n else np.pad(audio, (n - len(audio), 0))
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
        mel = self._features(x.astype(np.float32), padding=0)[:, : _WINDOW_S * 100]
        out = self._session.run(None, {"input_features": mel[None].astype(np.float32)})
        return float(np.asarray(out[0]).reshape(-1)[0])
