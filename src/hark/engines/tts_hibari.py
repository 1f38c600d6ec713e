"""Speech synthesis with hibari (7.9 MB voice inside the wheel, 24 kHz)."""

from __future__ import annotations

import numpy as np

from ..audio.chunk import Int16Array, to_int16
from ..errors import EngineLoadError
from .base import Capabilities


class HibariTts:
    name = "hibari"

    def __init__(self, voice: str = "", *, speed: float = 1.0, threads: int = 1) -> None:
        try:
            from hibari import SAMPLE_RATE, Hibari
            from hibari.voices import VOICES, voice_path
        except ImportError as exc:
            raise EngineLoadError("hibari-tts is not installed (pip install hibari-tts)") from exc
        voice = voice or "heart"
        if voice not in VOICES:
            raise EngineLoadError(f"hibari has no voice {voice!r}; voices: {', '.join(sorted(VOICES))}")
        import os

        # only the packaged voice is used offline; others would need a download
        path = voice_path(voice) if voice == "heart" else None
        if path is None or not os.path.isfile(path):
            raise EngineLoadError(f"hibari voice {voice!r} is not installed locally; only 'heart' ships in the wheel")
        self._tts = Hibari(voice=voice, threads=threads)
        self._tts("Ready.")  # loads the G2P and warms the session
        self.voice = voice
        self.speed = speed
        self.capabilities = Capabilities(streaming=False, languages=("en",), sample_rate=int(SAMPLE_RATE))

    def synthesize(self, text: str) -> Int16Array:
        audio = self._tts(text, speed=self.speed, seed=0)
        return to_int16(np.asarray(audio, dtype=np.float32))
