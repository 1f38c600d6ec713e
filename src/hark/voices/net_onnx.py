"""The encoder network on onnxruntime: its LSTM kernel, graph written from the weights at load.

No torch is needed to export: the graph is three ONNX ``LSTM`` nodes, a ``MatMul``, an ``Add``
and a ``Relu``, written with :mod:`.onnx_proto` from the parameters read out of
``pretrained.pt`` (gates reordered from torch's i, f, g, o to ONNX's i, o, f, c). onnxruntime
pre-packs the weights once and runs each step's small matrix product in MLAS, about 4x faster
than numpy's per-step OpenBLAS calls on 3 s of audio. One session, one thread by default; its
``run`` may be called from several threads at once.
"""

from __future__ import annotations

import numpy as np

from ..audio.chunk import Float32Array
from . import onnx_proto as pb
from .errors import VoiceModelError
from .weights import EncoderWeights


def _onnx_gates(w: np.ndarray) -> np.ndarray:
    i, f, g, o = np.split(np.asarray(w, np.float32), 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def encoder_model(weights: EncoderWeights) -> bytes:
    """The network as a serialised ONNX model: input ``mels`` (T, B, 40), output ``embeds`` (B, 256)."""
    nodes: list[bytes] = []
    inits: list[bytes] = [pb.tensor("axis0", np.array([0], np.int64)), pb.tensor("axis1", np.array([1], np.int64))]
    x = "mels"
    last = len(weights.layers) - 1
    for n, layer in enumerate(weights.layers):
        hidden = layer.w_hh.shape[1]
        inits += [
            pb.tensor(f"W{n}", _onnx_gates(layer.w_ih)[None]),
            pb.tensor(f"R{n}", _onnx_gates(layer.w_hh)[None]),
            pb.tensor(f"B{n}", np.concatenate([_onnx_gates(layer.b_ih), _onnx_gates(layer.b_hh)])[None]),
        ]
        outputs = ["", f"h{n}"] if n == last else [f"y{n}"]
        nodes.append(pb.node("LSTM", [x, f"W{n}", f"R{n}", f"B{n}"], outputs, f"lstm{n}", hidden_size=hidden))
        if n != last:  # (T, 1, B, H) -> (T, B, H)
            nodes.append(pb.node("Squeeze", [f"y{n}", "axis1"], [f"x{n + 1}"], f"squeeze{n}"))
            x = f"x{n + 1}"
    inits += [pb.tensor("linear_w", np.ascontiguousarray(weights.linear_w.T)), pb.tensor("linear_b", weights.linear_b)]
    nodes += [
        pb.node("Squeeze", [f"h{last}", "axis0"], ["h"], "squeeze_h"),  # (1, B, H) -> (B, H)
        pb.node("MatMul", ["h", "linear_w"], ["lin"], "linear"),
        pb.node("Add", ["lin", "linear_b"], ["lin_b"], "linear_bias"),
        pb.node("Relu", ["lin_b"], ["embeds"], "relu"),
    ]
    size = weights.linear_w.shape[0]
    return pb.model(
        nodes,
        inits,
        [pb.value_info("mels", ["frames", "partials", weights.layers[0].w_ih.shape[1]])],
        [pb.value_info("embeds", ["partials", size])],
        name="resemblyzer_ge2e",
    )


class OnnxNetwork:
    name = "onnxruntime"

    def __init__(self, weights: EncoderWeights, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise VoiceModelError(f"the speaker encoder's onnxruntime backend needs onnxruntime: {exc}") from exc
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(encoder_model(weights), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise VoiceModelError(f"cannot build the speaker encoder's onnxruntime session: {exc}") from exc

    def __call__(self, mels: Float32Array) -> Float32Array:
        """(n, 256) raw (ReLU, not normalised) embeddings of (n, frames, 40) mel spectrograms."""
        x = np.ascontiguousarray(np.swapaxes(mels, 0, 1), dtype=np.float32)
        (out,) = self._session.run(["embeds"], {"mels": x})
        return np.asarray(out, np.float32)
