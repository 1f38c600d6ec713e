"""Whisper's text decoder in numpy, with its key/value cache kept between steps.

CTranslate2's ``Whisper.generate`` gives the next-token log-probabilities after a prefix only by
running the whole prefix again (it keeps no decoder state between calls: 62/111/204 ms at a prefix
of 1/5/10 tokens, 4 beams, measured). A search that extends its own hypotheses one token at a
time, as the grammar-constrained pass does (:mod:`hark.engines.stt_grammar`), needs one decoder
step per token instead. This module runs the decoder itself, from the same ``model.bin`` faster-
whisper loads (CTranslate2's binary format, float16 weights read as float32), on the encoder output
CTranslate2 already computed; each prefix's self-attention keys and values are kept, so a prefix
one token longer than one already run costs one step (:meth:`DecoderRun.logprobs`).

The output layer (51,865 tokens x 512, 106 MB of float32 read at every step) is most of a step's
cost. A search that only needs the next-token log-probabilities of some tokens can give a
:class:`Shortlist` (:meth:`WhisperDecoder.shortlist`): the log-softmax is then taken over its tokens
(and the ``extra`` ones of the run) alone, every other token gets ``-inf``. Measured on Whisper
base: the 10,000 first BPE tokens, plus the transcript's own, leave out 0.08 % of the probability
mass at the median step and 10 % at the worst (0.1 nats); a 4-beam step takes ~10 ms instead of ~15
(the output layer 1.3 ms instead of 8.4; the six layers' weights, 88 MB of float32, are the rest).

The layers are Whisper's (pre-norm, GELU, learned positions, output tied to the token embedding),
read from the variable names CTranslate2's ``WhisperSpec`` writes; any other layout is refused with
an :class:`~hark.errors.EngineLoadError`.
"""

from __future__ import annotations

import math
import mmap
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EngineLoadError

__all__ = ["DecoderRun", "Shortlist", "WhisperDecoder", "read_ct2_variables"]

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
_EPS = 1e-5


def read_ct2_variables(path: Path, prefix: str = "") -> tuple[str, dict[str, np.ndarray]]:
    """The spec name and the variables (names starting with ``prefix``) of a CTranslate2
    ``model.bin``, as arrays (float16 made float32); aliases resolved."""
    problem = ""
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            try:
                return _parse(memoryview(buf), prefix)
            except (struct.error, ValueError, KeyError) as exc:
                problem = str(exc)  # raised below, once the views into the map are gone
    except OSError as exc:
        raise EngineLoadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    raise EngineLoadError(f"{path} is not a CTranslate2 model file ({problem})")


def _parse(buf: memoryview, prefix: str) -> tuple[str, dict[str, np.ndarray]]:
    at = 0

    def take(fmt: str) -> int:
        nonlocal at
        (value,) = struct.unpack_from(fmt, buf, at)
        at += struct.calcsize(fmt)
        return int(value)

    def text() -> str:
        nonlocal at
        n = take("H")
        value = bytes(buf[at : at + n - 1]).decode()
        at += n
        return value

    version = take("I")
    if version < 5:
        raise ValueError(f"binary version {version}")
    spec = text()
    take("I")  # spec revision
    found: dict[str, np.ndarray] = {}
    for _ in range(take("I")):
        name = text()
        shape = [take("I") for _ in range(take("B"))]
        dtype = _DTYPES[take("B")]
        size = take("I")
        if name.startswith(prefix):
            array = np.frombuffer(buf[at : at + size], dtype=dtype).reshape(shape)
            found[name] = array.astype(np.float32) if dtype == np.float16 else array.copy()
        at += size
    for _ in range(take("I")):
        alias, name = text(), text()
        if alias.startswith(prefix) and name in found:
            found[alias] = found[name]
    return spec, found


@dataclass(frozen=True)
class _Layer:
    self_norm: tuple[np.ndarray, np.ndarray]
    qkv: tuple[np.ndarray, np.ndarray]
    self_out: tuple[np.ndarray, np.ndarray]
    cross_norm: tuple[np.ndarray, np.ndarray]
    query: tuple[np.ndarray, np.ndarray]
    kv: tuple[np.ndarray, np.ndarray]
    cross_out: tuple[np.ndarray, np.ndarray]
    ffn_norm: tuple[np.ndarray, np.ndarray]
    ffn_in: tuple[np.ndarray, np.ndarray]
    ffn_out: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Shortlist:
    """Tokens whose log-probabilities a run computes (sorted ids), with their output weights."""

    ids: np.ndarray
    weights: np.ndarray
    """``[len(ids), width]``, contiguous: the rows of the token embedding."""


class WhisperDecoder:
    """Whisper's decoder weights; :meth:`run` starts a decode over one utterance's encoder output."""

    def __init__(
        self,
        embedding: np.ndarray,
        positions: np.ndarray,
        layers: Sequence[_Layer],
        norm: tuple[np.ndarray, ...],
        heads: int,
    ) -> None:
        self.embedding = embedding
        self.positions = positions
        self.layers = tuple(layers)
        self.norm = (norm[0], norm[1])
        self.heads = heads
        self.width = embedding.shape[1]

    @classmethod
    def load(cls, model_dir: Path) -> WhisperDecoder:
        """Read the decoder from a CTranslate2 Whisper folder (``model.bin``)."""
        path = Path(model_dir) / "model.bin"
        spec, v = read_ct2_variables(path, "decoder/")
        if spec != "WhisperSpec":
            raise EngineLoadError(f"{path} holds a {spec}, not a Whisper model")
        try:
            flags = {k: int(v[f"decoder/{k}"].reshape(-1)[0]) for k in ("pre_norm", "scale_embeddings", "alibi")}
            if flags != {"pre_norm": 1, "scale_embeddings": 0, "alibi": 0} or int(v["decoder/activation"][()]) != 3:
                raise EngineLoadError(f"{path}: a decoder layout this reader does not know ({flags})")
            heads = int(v["decoder/num_heads"].reshape(-1)[0])

            def pair(name: str, a: str = "gamma", b: str = "beta") -> tuple[np.ndarray, np.ndarray]:
                return v[f"{name}/{a}"], v[f"{name}/{b}"]

            def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
                return np.ascontiguousarray(v[f"{name}/weight"].T), v[f"{name}/bias"]

            layers = []
            i = 0
            while f"decoder/layer_{i}/ffn/linear_0/weight" in v:
                p = f"decoder/layer_{i}"
                layers.append(
                    _Layer(
                        self_norm=pair(f"{p}/self_attention/layer_norm"),
                        qkv=linear(f"{p}/self_attention/linear_0"),
                        self_out=linear(f"{p}/self_attention/linear_1"),
                        cross_norm=pair(f"{p}/attention/layer_norm"),
                        query=linear(f"{p}/attention/linear_0"),
                        kv=linear(f"{p}/attention/linear_1"),
                        cross_out=linear(f"{p}/attention/linear_2"),
                        ffn_norm=pair(f"{p}/ffn/layer_norm"),
                        ffn_in=linear(f"{p}/ffn/linear_0"),
                        ffn_out=linear(f"{p}/ffn/linear_1"),
                    )
                )
                i += 1
            if not layers:
                raise EngineLoadError(f"{path}: no decoder layers")
            return cls(
                v["decoder/embeddings/weight"],
                v["decoder/position_encodings/encodings"],
                layers,
                pair("decoder/layer_norm"),
                heads,
            )
        except KeyError as exc:
            raise EngineLoadError(f"{path}: no decoder variable {exc}") from exc

    def shortlist(self, ids: np.ndarray) -> Shortlist:
        """A :class:`Shortlist` of these token ids (duplicates dropped)."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if len(ids) and (ids[0] < 0 or ids[-1] >= len(self.embedding)):
            raise ValueError(f"token ids must lie in 0..{len(self.embedding) - 1}")
        return Shortlist(ids, np.ascontiguousarray(self.embedding[ids]))

    def run(self, encoded: np.ndarray, shortlist: Shortlist | None = None, extra: Sequence[int] = ()) -> DecoderRun:
        """A decode over ``encoded`` (``[frames, width]`` or ``[1, frames, width]``, CTranslate2's
        encoder output): the cross-attention keys and values are computed here, once. With a
        ``shortlist``, log-probabilities are over its tokens and ``extra`` alone."""
        enc = np.asarray(encoded, dtype=np.float32).reshape(-1, self.width)
        cross = []
        for layer in self.layers:
            kv = enc @ layer.kv[0] + layer.kv[1]
            k, vv = np.split(kv, 2, axis=-1)
            cross.append((self._heads(k[None])[0], self._heads(vv[None])[0]))  # [heads, frames, d]
        more = np.array([], np.int64)
        if shortlist is not None:
            more = np.setdiff1d(np.asarray(list(extra), dtype=np.int64), shortlist.ids)
        return DecoderRun(self, cross, shortlist, more)

    def _heads(self, x: np.ndarray) -> np.ndarray:
        """``[n, t, width]`` -> ``[n, heads, t, width / heads]``."""
        n, t, _ = x.shape
        return x.reshape(n, t, self.heads, -1).transpose(0, 2, 1, 3)


_Cache = tuple[tuple[np.ndarray, np.ndarray], ...]
"""Per layer: self-attention keys and values of a prefix, each ``[heads, length, d]``."""


class DecoderRun:
    """One utterance's decode: next-token log-probabilities after any prefix, each prefix's
    self-attention state kept, so extending a prefix already run by one token is one step."""

    def __init__(
        self,
        decoder: WhisperDecoder,
        cross: list[tuple[np.ndarray, np.ndarray]],
        shortlist: Shortlist | None = None,
        more: np.ndarray | None = None,
    ) -> None:
        """``more``: token ids computed besides the (shared, unchanged) ``shortlist``."""
        self._d = decoder
        self._cross = cross
        self._shortlist = shortlist
        more = np.array([], np.int64) if more is None or shortlist is None else more
        self._more = decoder.embedding[more] if len(more) else None
        """The output weights of ``more`` (their logits are computed apart: the shortlist is not copied)."""
        vocab = len(decoder.embedding)
        self._ids = None if shortlist is None else np.concatenate([shortlist.ids, more])
        """The tokens computed, in column order (``None``: the whole vocabulary)."""
        self._column = np.arange(vocab) if self._ids is None else np.full(vocab, -1)
        """Each token's column in the computed log-probabilities (-1: not computed)."""
        if self._ids is not None:
            self._column[self._ids] = np.arange(len(self._ids))
        self._cache: dict[tuple[int, ...], _Cache] = {}
        self._rows: dict[tuple[int, ...], np.ndarray] = {}
        """Next-token log-probabilities (computed columns only) after each prefix of a :meth:`prime`d sequence."""
        self.steps = 0
        """Decoder forward passes run (each over one or more new tokens of a batch of prefixes)."""

    def prime(self, tokens: Sequence[int]) -> list[float]:
        """Run ``tokens`` whole, teacher-forced, in one pass (the weights read once): the
        log-probability of each token after the ones before it (``len(tokens) - 1`` values,
        ``-inf`` for a token outside the shortlist). What every prefix gives is kept: a later
        :meth:`logprobs` of one of them costs nothing, of one token more one step (a search along
        Whisper's own transcript shares its steps)."""
        key = tuple(tokens)
        if not key:
            raise ValueError("nothing to prime")
        (rows,), (cache,) = self._forward([self._empty()], np.array([key]), 0, every=True)
        for k in range(1, len(key) + 1):
            self._rows[key[:k]] = rows[k - 1]
            self._cache[key[:k]] = tuple((keys[:, :k], values[:, :k]) for keys, values in cache)
        columns = self._column[list(key[1:])]
        return [float(rows[k][c]) if c >= 0 else -math.inf for k, c in enumerate(columns)]

    def _empty(self) -> _Cache:
        d = self._d
        return tuple((np.zeros((d.heads, 0, d.width // d.heads), np.float32),) * 2 for _ in d.layers)

    def logprobs(self, prefixes: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """Log-probabilities (float64, over the whole vocabulary) of the token after each prefix
        (token ids, the start tokens included). Prefixes whose prefix one token shorter was run
        go through one batched step; the others are run whole."""
        keys = [tuple(p) for p in prefixes]
        if any(not k for k in keys):
            raise ValueError("a prefix must hold at least one token")
        out: dict[tuple[int, ...], np.ndarray] = {k: self._full(self._rows[k]) for k in keys if k in self._rows}
        extend = [k for k in dict.fromkeys(keys) if k not in out and k[:-1] in self._cache and len(k) > 1]
        by_length: dict[int, list[tuple[int, ...]]] = {}
        for k in extend:
            by_length.setdefault(len(k), []).append(k)
        for group in by_length.values():
            rows = self._forward(
                [self._cache[k[:-1]] for k in group], np.array([[k[-1]] for k in group]), len(group[0]) - 1
            )
            for k, row, cache in zip(group, *rows, strict=True):
                out[k], self._cache[k] = self._full(row), cache
        for k in dict.fromkeys(keys):
            if k not in out:
                (row,), (cache,) = self._forward([self._empty()], np.array([k]), 0)
                out[k], self._cache[k] = self._full(row), cache
        return [out[k] for k in keys]

    def _full(self, row: np.ndarray) -> np.ndarray:
        """Computed log-probabilities over the whole vocabulary (``-inf`` outside the shortlist)."""
        if self._ids is None:
            return row
        full = np.full(len(self._column), -np.inf)
        full[self._ids] = row
        return full

    def _forward(
        self, caches: list[_Cache], tokens: np.ndarray, start: int, *, every: bool = False
    ) -> tuple[list[np.ndarray], list[_Cache]]:
        """Run ``tokens`` (``[n, t]``, at positions ``start``..) after ``caches`` (one per row, all
        ``start`` long): the last position's log-probabilities over the computed columns
        (``every``: each position's, ``[t, columns]``) and the longer caches."""
        d = self._d
        self.steps += 1
        n, t = tokens.shape
        if start + t > len(d.positions):
            raise ValueError(f"a prefix of {start + t} tokens is longer than Whisper's {len(d.positions)}")
        x = d.embedding[tokens] + d.positions[start : start + t]
        causal = np.triu(np.full((t, start + t), -np.inf, np.float32), k=start + 1) if t > 1 else None
        new: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n)]
        scale = np.float32((d.width // d.heads) ** -0.5)
        for li, layer in enumerate(d.layers):
            h = _norm(x, layer.self_norm)
            q, k, v = np.split(h @ layer.qkv[0] + layer.qkv[1], 3, axis=-1)
            q, k, v = d._heads(q), d._heads(k), d._heads(v)  # [n, heads, t, dh]
            keys = np.stack([np.concatenate([c[li][0], k[i]], axis=1) for i, c in enumerate(caches)])
            values = np.stack([np.concatenate([c[li][1], v[i]], axis=1) for i, c in enumerate(caches)])
            for i in range(n):
                new[i].append((keys[i], values[i]))
            x = x + _attend(q * scale, keys, values, causal) @ layer.self_out[0] + layer.self_out[1]
            h = _norm(x, layer.cross_norm)
            q = d._heads(h @ layer.query[0] + layer.query[1])
            ck, cv = self._cross[li]
            x = x + _attend(q * scale, ck[None], cv[None], None) @ layer.cross_out[0] + layer.cross_out[1]
            h = _norm(x, layer.ffn_norm)
            x = x + _gelu(h @ layer.ffn_in[0] + layer.ffn_in[1]) @ layer.ffn_out[0] + layer.ffn_out[1]
        last = _norm(x if every else x[:, -1:], d.norm)
        short = self._shortlist
        logits = (last @ (d.embedding if short is None else short.weights).T).astype(np.float64)
        if self._more is not None:
            logits = np.concatenate([logits, (last @ self._more.T).astype(np.float64)], axis=-1)
        logits -= logits.max(axis=-1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        return [row if every else row[0] for row in logits], [tuple(c) for c in new]


def _attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Scaled dot-product attention over heads: ``[n, heads, t, d]`` -> ``[n, t, heads * d]``."""
    scores = q @ k.transpose(0, 1, 3, 2)
    if mask is not None:
        scores = scores + mask
    scores -= scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    out = weights @ v
    n, heads, t, dh = out.shape
    return out.transpose(0, 2, 1, 3).reshape(n, t, heads * dh)


def _norm(x: np.ndarray, params: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + _EPS) * params[0] + params[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with erf (Whisper's), erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) * np.float32(0.5**0.5)
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-z * z)
    return np.float32(0.5) * x * (1.0 + np.sign(x) * erf)
