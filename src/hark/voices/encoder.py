"""resemblyzer's GE2E speaker encoder, forward pass in numpy (no torch).

The network (``resemblyzer.VoiceEncoder``): a 3-layer LSTM (40 mel bands in, 256 hidden) over
a *partial utterance* of 160 frames (1.6 s), the last layer's final hidden state through a
256 x 256 linear layer and a ReLU, L2-normalised. An utterance is cut into partials every
``1 / rate`` seconds (rate 1.3: 3 partials for 3 s, overlapping), their embeddings averaged
and normalised again: :meth:`SpeakerEncoder.embed` returns that, a (256,) float32 unit vector
whose cosine with another is the similarity of the voices.

The network runs on onnxruntime (:mod:`.net_onnx`, a graph written from the weights at load;
the default) or in numpy (:mod:`.net_numpy`, the reference). Both match torch's
``VoiceEncoder`` to ~4e-7 on the same mel input; the mel spectrogram (:mod:`.mel`) matches
librosa's to ~2e-7. Float32 throughout.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from .errors import VoiceAudioError
from .mel import HOP, mel_spectrogram, prepare
from .net_numpy import NumpyNetwork
from .net_onnx import OnnxNetwork
from .weights import N_MELS, EncoderWeights, load_weights

PARTIAL_FRAMES = 160
"""1.6 s of 10 ms frames."""
EMBEDDING_SIZE = 256
MIN_SPEECH_S = 0.5
"""Less speech than this (after the silences are cut) says too little about the voice."""


@dataclasses.dataclass(frozen=True, slots=True)
class EncoderSettings:
    rate: float = 1.3
    """Partial utterances a second (resemblyzer's default): between 0.625 (no overlap) and 100."""
    min_coverage: float = 0.75
    """The last partial counts when at least this much of it is audio, not padding."""
    min_speech_s: float = MIN_SPEECH_S
    trim: bool = True
    """Cut silences longer than ~200 ms (and raise quiet audio to -30 dBFS) first, as resemblyzer does."""
    backend: Literal["onnx", "numpy"] = "onnx"
    threads: int = 1
    """onnxruntime's threads for one call (the numpy backend's small products use one)."""


class Network(Protocol):
    name: str

    def __call__(self, mels: Float32Array) -> Float32Array: ...


def partial_slices(n_samples: int, rate: float, min_coverage: float) -> list[slice]:
    """Mel frame ranges of the partial utterances (``VoiceEncoder.compute_partial_slices``)."""
    if not 0 < min_coverage <= 1:
        raise ValueError("min_coverage must be in (0, 1]")
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round((SAMPLE_RATE / rate) / HOP))
    if not 0 < frame_step <= PARTIAL_FRAMES:
        raise ValueError(f"rate {rate} out of range")
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, steps, frame_step)]
    last = slices[-1]
    coverage = (n_samples - last.start * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < min_coverage and len(slices) > 1:
        slices.pop()
    return slices


def as_pcm(samples: Any) -> Float32Array:
    """16 kHz mono samples as float32 in [-1, 1]: float arrays as they are, int16 scaled."""
    if not isinstance(samples, np.ndarray):
        raise VoiceAudioError(f"speaker audio must be a numpy array, not {type(samples).__name__}")
    if samples.ndim != 1:
        raise VoiceAudioError(f"speaker audio must be mono (1-D), not shape {samples.shape}")
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0
    if samples.dtype.kind != "f":
        raise VoiceAudioError(f"speaker audio must be float32 or int16 samples, not {samples.dtype}")
    pcm = samples.astype(np.float32, copy=False)
    if not np.isfinite(pcm).all():
        raise VoiceAudioError("speaker audio holds NaN or infinite samples")
    return pcm


class SpeakerEncoder:
    """Audio to a voice embedding. Stateless once loaded: one instance serves every session
    (calls from several threads at once are safe)."""

    name = "resemblyzer-ge2e"

    def __init__(self, weights: EncoderWeights, settings: EncoderSettings | None = None) -> None:
        self.weights = weights
        self.settings = settings = settings or EncoderSettings()
        self.network: Network = (
            NumpyNetwork(weights) if settings.backend == "numpy" else OnnxNetwork(weights, threads=settings.threads)
        )

    @classmethod
    def load(cls, path: Path | None = None, settings: EncoderSettings | None = None) -> SpeakerEncoder:
        """From resemblyzer's ``pretrained.pt`` (``VoiceModelError``, code ``voice-model``, if missing)."""
        return cls(load_weights(path), settings)

    def speech(self, samples: Any) -> Float32Array:
        """The audio the embedding is made of: checked, volume raised, long silences cut.
        ``VoiceAudioError`` (``voice-no-speech``, ``voice-too-short``) if too little is left."""
        pcm = as_pcm(samples)
        if not len(pcm) or float(np.max(np.abs(pcm))) < 1e-4:
            raise VoiceAudioError("no speech in the audio", code="voice-no-speech")
        wav = prepare(pcm) if self.settings.trim else pcm
        if len(wav) < self.settings.min_speech_s * SAMPLE_RATE:
            raise VoiceAudioError(
                f"{len(wav) / SAMPLE_RATE:.2f} s of speech: at least {self.settings.min_speech_s:.1f} s is needed",
                code="voice-too-short" if len(wav) else "voice-no-speech",
            )
        return wav

    def partials(self, wav: Float32Array) -> Float32Array:
        """(n, 160, 40) mel spectrograms of the partial utterances of prepared audio."""
        slices = partial_slices(len(wav), self.settings.rate, self.settings.min_coverage)
        need = slices[-1].stop * HOP
        if need >= len(wav):
            wav = np.pad(wav, (0, need - len(wav)))
        mel = mel_spectrogram(wav)
        return np.stack([mel[s] for s in slices])

    def embed(self, samples: Any) -> Float32Array:
        """The (256,) unit-length voice embedding of one utterance (16 kHz, float32 or int16)."""
        partial_embeds = self.embed_partials(self.partials(self.speech(samples)))
        return _unit(partial_embeds.mean(axis=0))

    def embed_partials(self, mels: Float32Array) -> Float32Array:
        """(n, 256) unit embeddings of (n, frames, 40) mel spectrograms (the network itself)."""
        if mels.ndim != 3 or mels.shape[2] != N_MELS:
            raise VoiceAudioError(f"mel partials must be (n, frames, {N_MELS}), not {mels.shape}")
        out = self.network(np.asarray(mels, np.float32))
        return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), np.float32)


def _unit(v: Float32Array) -> Float32Array:
    n = float(np.linalg.norm(v))
    return np.asarray(v / n if n > 0 else v, np.float32)
