"""Small engine interfaces. Each engine declares what it can do in ``capabilities``.

Engines are synchronous and may block (model inference). The shared ones (speech
recognition, synthesis, Smart Turn) are called through
``hark.engines.executor.infer(engine, engine.method, *args)``, which runs the call on
the bounded executor ``load_engines`` attached to the engine as its ``executor``
attribute (an engine without one, such as a test fake, runs in ``asyncio.to_thread``).
The attribute is not part of the protocols below, so fakes need not declare it. A batch speech recogniser is turned
into a streaming one by :class:`hark.engines.stt_stream.SpeculativeStt`, and a
batch synthesiser is streamed sentence by sentence by the pipeline, so no
engine needs to stream natively.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable

from ..audio.chunk import Float32Array, Int16Array


@dataclasses.dataclass(frozen=True, slots=True)
class Capabilities:
    streaming: bool = False
    """Accepts audio (STT) or emits audio (TTS) incrementally by itself."""
    partials: bool = False
    """STT: can give partial transcripts while audio arrives."""
    languages: tuple[str, ...] = ()
    sample_rate: int = 16000
    """TTS: rate of the audio it makes."""


@dataclasses.dataclass(frozen=True, slots=True)
class WakeDetection:
    wake_word: str
    """Model id, e.g. ``hey_jarvis``."""
    phrase: str
    """Spoken phrase, e.g. ``Hey Jarvis``."""
    audio_t: float
    """Stream position of the detection, seconds."""


@runtime_checkable
class WakeWordEngine(Protocol):
    name: str
    capabilities: Capabilities

    @property
    def phrases(self) -> tuple[str, ...]: ...

    def process(self, samples: Int16Array, audio_t: float) -> list[WakeDetection]:
        """Feed 16 kHz int16 audio in stream order; return detections ending in it."""
        ...

    def reset(self) -> None: ...


@runtime_checkable
class VadEngine(Protocol):
    name: str
    window_samples: int

    def probability(self, window: Float32Array) -> float:
        """Speech probability of exactly ``window_samples`` float samples (stateful, stream order)."""
        ...

    def reset(self) -> None: ...


@runtime_checkable
class TurnDetector(Protocol):
    name: str

    def probability_complete(self, audio: Float32Array) -> float:
        """Probability that the user has finished the turn, given the turn's audio so far."""
        ...


@runtime_checkable
class SttEngine(Protocol):
    """Batch speech recognition: whole utterance in, text out."""

    name: str
    capabilities: Capabilities

    def transcribe(self, audio: Float32Array) -> str: ...


@runtime_checkable
class TtsEngine(Protocol):
    """Batch synthesis of one segment (a clause or sentence)."""

    name: str
    voice: str
    capabilities: Capabilities

    def synthesize(self, text: str) -> Int16Array:
        """Text -> int16 mono samples at ``capabilities.sample_rate``."""
        ...
