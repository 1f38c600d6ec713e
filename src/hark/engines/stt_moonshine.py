"""Speech recognition with Moonshine base (English), run with onnxruntime.

Moonshine's encoder reads the raw 16 kHz samples and its cost follows the audio's length (no
30 s window), and its decoder is a small transformer with a key/value cache: a short command
takes ~40 ms of encoder and ~5 ms per token on one core. It runs on one thread: its decoder's steps
are too small to share (a command's median on this 2-core machine: 78 ms on one thread, 105 ms on two),
and the other core stays free for Smart Turn and Whisper's passes. It hears people better than Whisper
base (README, "Other voices"): real recordings 5.0 -> 2.1 % WER clean; voices Hark was not tuned on
at 10 dB SNR, command WER 45.6 -> 39.1 % (each alone); but open questions in Hark's own voices in noise, worse.

The model files are prepared once from the ``moonshine-cpp`` wheel (:mod:`hark.engines.moonshine_model`).
This class is the transcriber alone; :class:`hark.engines.stt_whisper.WhisperStt` takes it as its
``transcriber`` and keeps Whisper for the closed-vocabulary passes (``stt.engine = "moonshine"``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError
from .base import Capabilities
from .moonshine_model import DECODER, ENCODER, TOKENIZER

START = 1
"""``<s>``: the decoder's first token."""
END = 2
"""``</s>``: the end of the transcript."""
TOKENS_PER_SECOND = 8.0
"""The transcript's budget: English speech runs at ~3 words (~4-5 tokens) a second; a decode that
uses the whole budget went round in circles (Moonshine's own reference allows 6)."""
MIN_SECONDS = 0.5
"""Shorter audio is padded with silence to this (the encoder's convolutions need some length)."""
SILENCE_DB = -40.0
"""Leading and trailing 10 ms frames quieter than this (RMS, relative to the loudest frame, and under
:data:`SILENCE_FLOOR`) are cut, past :data:`MARGIN_S`, before Moonshine hears the audio: given long
silence after the words, it went on to say them again ("Add milk to the shopping list. Add milk to
the shopping list. Add")."""
SILENCE_FLOOR = 0.003
"""RMS under which a frame may count as silence (about -50 dBFS): noise louder than this is kept."""
MARGIN_S = 1.0
"""Silence kept on each side of the words. Moonshine hears better with some: cut to 0.25 s, the outside
voices' clean command WER went 16.4 -> 23.5 % (0.5 s: 18.4 %; 1 s: unchanged, half the bench's items)."""
_WORD = "\u2581"
_ARCHAIC = re.compile(r"\b(?:to-day|to-morrow|to-night|good-bye)\b", re.IGNORECASE)
"""Moonshine learnt some of its English from old books: "to-day", "to-morrow", "to-night", "good-bye"."""


def modern_spelling(text: str) -> str:
    """The modern spelling of ``text``: "to-day" -> "today" (and "to-morrow", "to-night", "good-bye"),
    case kept."""
    return _ARCHAIC.sub(lambda m: m.group(0).replace("-", ""), text)


def trim_silence(samples: Float32Array) -> Float32Array:
    """``samples`` without the silence before and after the sound (see :data:`SILENCE_DB`)."""
    frame = SAMPLE_RATE // 100
    n = len(samples) // frame
    if n < 3:
        return samples
    rms = np.sqrt(np.mean(np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64), axis=1))
    quiet = min(SILENCE_FLOOR, float(rms.max()) * 10 ** (SILENCE_DB / 20))
    loud = np.flatnonzero(rms > quiet)
    if len(loud) == 0:
        return samples[:0]
    margin = int(MARGIN_S * SAMPLE_RATE)
    start = max(0, int(loud[0]) * frame - margin)
    end = min(len(samples), (int(loud[-1]) + 1) * frame + margin)
    return samples[start:end]


def read_tokenizer(path: Path) -> list[bytes]:
    """Moonshine's ``tokenizer.bin``: each token's UTF-8 bytes after its length (one byte, or two
    as a little-endian base-128 varint when 128 or more), in id order."""
    data = path.read_bytes()
    tokens: list[bytes] = []
    i = 0
    while i < len(data):
        n = data[i]
        i += 1
        if n >= 128:
            if i >= len(data):
                raise EngineLoadError(f"{path}: truncated token length at byte {i}")
            n = (n & 127) | (data[i] << 7)
            i += 1
        if i + n > len(data):
            raise EngineLoadError(f"{path}: token {len(tokens)} runs past the end of the file")
        tokens.append(data[i : i + n])
        i += n
    if len(tokens) <= END:
        raise EngineLoadError(f"{path}: only {len(tokens)} tokens")
    return tokens


class MoonshineStt:
    """Moonshine base: audio in, text out (greedy, with the decoder's key/value cache)."""

    name = "moonshine"

    def __init__(self, model_dir: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - a dependency
            raise EngineLoadError("onnxruntime is not installed") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # a waiting worker would spin on the core Smart Turn and Whisper's passes need at the same moment
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._encoder = ort.InferenceSession(str(model_dir / ENCODER), options, providers=["CPUExecutionProvider"])
            self._decoder = ort.InferenceSession(str(model_dir / DECODER), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EngineLoadError(f"cannot load Moonshine from {model_dir}: {exc}") from exc
        self._tokens = read_tokenizer(model_dir / TOKENIZER)
        inputs = [i.name for i in self._decoder.get_inputs()]
        self._past = [n for n in inputs if n.startswith("past_key_values.")]
        self._outputs = [o.name for o in self._decoder.get_outputs()]
        if self._outputs[0] != "logits" or "use_cache_branch" not in inputs or not self._past:
            raise EngineLoadError(f"{model_dir / DECODER} is not a merged Moonshine decoder")
        shape = self._decoder.get_inputs()[inputs.index(self._past[0])].shape
        self._heads, self._head_dim = int(shape[1]), int(shape[3])
        self.capabilities = Capabilities(streaming=False, partials=False, languages=("en",))
        self.model_dir = model_dir

    def text(self, ids: list[int]) -> str:
        """The transcript that token ids spell."""
        raw = b"".join(self._tokens[i] for i in ids if i < len(self._tokens) and i > END)
        return modern_spelling(raw.decode("utf-8", "replace").replace(_WORD, " ").strip())

    def token_ids(self, audio: Float32Array) -> list[int] | None:
        """The transcript's token ids for ``audio`` (16 kHz mono float32, its silence trimmed); ``None``
        when the decode used its whole budget (it went round in circles: no transcript to trust)."""
        samples = trim_silence(np.asarray(audio, dtype=np.float32))
        if len(samples) == 0:
            return []
        if len(samples) < MIN_SECONDS * SAMPLE_RATE:
            samples = np.pad(samples, (0, int(MIN_SECONDS * SAMPLE_RATE) - len(samples)))
        hidden = self._encoder.run(None, {"input_values": samples[None]})[0]
        budget = int(len(samples) / SAMPLE_RATE * TOKENS_PER_SECOND) + 4
        empty = np.zeros((1, self._heads, 0, self._head_dim), np.float32)
        feeds: dict[str, Any] = {"encoder_hidden_states": hidden, **{name: empty for name in self._past}}
        ids: list[int] = []
        token = START
        for step in range(budget):
            feeds["input_ids"] = np.array([[token]], np.int64)
            feeds["use_cache_branch"] = np.array([step > 0])
            out = self._decoder.run(None, feeds)
            token = int(np.argmax(out[0][0, -1]))
            if token == END:
                return ids
            ids.append(token)
            for name, value in zip(self._outputs[1:], out[1:], strict=True):
                # the cross-attention keys/values are computed once, at the first step
                if step == 0 or ".decoder." in name:
                    feeds[name.replace("present.", "past_key_values.", 1)] = value
        return None

    def transcribe(self, audio: Float32Array) -> str:
        """The transcript; empty for silence, and when Moonshine went round in circles
        (:class:`~hark.engines.stt_whisper.WhisperStt` then asks Whisper)."""
        if len(audio) == 0:
            return ""
        ids = self.token_ids(audio)
        return "" if ids is None else self.text(ids)
