"""The encoder network in plain numpy: the reference, and the fallback without onnxruntime.

One layer at a time, all partial utterances at once: a layer's input projection is one matrix
product over every frame, the recurrence 160 small ones. Gates are reordered to (i, f, o, g)
with the i, f, o rows halved, so one ``tanh`` a step gives ``tanh(z/2)`` for the sigmoids
(``sigmoid(z) = (1 + tanh(z/2)) / 2``) and ``tanh(z)`` for the cell. Matches torch to ~4e-7.

Slower than :mod:`.net_onnx` (~4x on 3 s): numpy's small matrix products pay OpenBLAS's
packing on every step.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..audio.chunk import Float32Array
from .weights import EncoderWeights, LstmLayer


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Layer:
    w_in: Float32Array
    """(input, 4 x hidden)."""
    w_rec: Float32Array
    """(hidden, 4 x hidden)."""
    bias: Float32Array


def _gates(w: Float32Array) -> Float32Array:
    """torch's (i, f, g, o) rows to (i/2, f/2, o/2, g)."""
    i, f, g, o = np.split(np.asarray(w, np.float32), 4, axis=0)
    return np.concatenate([i * 0.5, f * 0.5, o * 0.5, g], axis=0).astype(np.float32)


def _prepare(layer: LstmLayer) -> _Layer:
    return _Layer(
        w_in=np.ascontiguousarray(_gates(layer.w_ih).T),
        w_rec=np.ascontiguousarray(_gates(layer.w_hh).T),
        bias=_gates((layer.b_ih + layer.b_hh)[:, None])[:, 0].copy(),
    )


class NumpyNetwork:
    name = "numpy"

    def __init__(self, weights: EncoderWeights) -> None:
        self._layers = tuple(_prepare(layer) for layer in weights.layers)
        self._linear_w = np.ascontiguousarray(weights.linear_w.T)
        self._linear_b = weights.linear_b
        self.hidden = weights.layers[0].w_hh.shape[1]

    def __call__(self, mels: Float32Array) -> Float32Array:
        """(n, 256) raw (ReLU, not normalised) embeddings of (n, frames, 40) mel spectrograms."""
        x = np.ascontiguousarray(np.swapaxes(mels, 0, 1), dtype=np.float32)  # (T, B, 40)
        for layer in self._layers[:-1]:
            x = self._lstm(layer, x, keep_sequence=True)
        h = self._lstm(self._layers[-1], x, keep_sequence=False)[0]
        return np.maximum(h @ self._linear_w + self._linear_b, 0.0).astype(np.float32)

    def _lstm(self, layer: _Layer, x: Float32Array, *, keep_sequence: bool) -> Float32Array:
        """One layer over ``x`` (T, B, in) from a zero state: (T, B, H) outputs, or (1, B, H) the last."""
        steps, batch, _ = x.shape
        hid = self.hidden
        xp = (x.reshape(steps * batch, -1) @ layer.w_in + layer.bias).reshape(steps, batch, 4 * hid)
        h = np.zeros((batch, hid), np.float32)
        c = np.zeros((batch, hid), np.float32)
        g = np.empty((batch, 4 * hid), np.float32)
        tc = np.empty((batch, hid), np.float32)
        out = np.empty((steps if keep_sequence else 1, batch, hid), np.float32)
        sig = g[:, : 3 * hid]
        i_gate, f_gate, o_gate, cell = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid : 3 * hid], g[:, 3 * hid :]
        w_rec = layer.w_rec
        for t in range(steps):
            np.matmul(h, w_rec, out=g)
            g += xp[t]
            np.tanh(g, out=g)
            sig *= 0.5
            sig += 0.5
            c *= f_gate
            i_gate *= cell
            c += i_gate
            np.tanh(c, out=tc)
            np.multiply(o_gate, tc, out=h)
            if keep_sequence:
                out[t] = h
        if not keep_sequence:
            out[0] = h
        return out
