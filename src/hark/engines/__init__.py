"""Engines behind small interfaces, one per file, chosen in config."""

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
