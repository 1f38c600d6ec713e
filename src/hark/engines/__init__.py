"""Engines behind small interfaces, one per file, chosen in config."""

import os

# OpenMP threads (CTranslate2's Whisper, llama.cpp) spin-wait after each job by default, stealing the
# core that Smart Turn or TTS needs next on a 2-core machine. Passive waiting must be set before the
# OpenMP runtime loads, so it is set here, before any engine is imported (a user's own value wins).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .base import Capabilities, SttEngine, TtsEngine, TurnDetector, VadEngine, WakeDetection, WakeWordEngine
from .registry import Engines, load_engines
from .stt_stream import SpeculativeStt, SttResult

__all__ = [
    "Capabilities",
    "Engines",
    "SpeculativeStt",
    "SttEngine",
    "SttResult",
    "TtsEngine",
    "TurnDetector",
    "VadEngine",
    "WakeDetection",
    "WakeWordEngine",
    "load_engines",
]
