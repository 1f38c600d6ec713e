"""Speech recognition with Whisper (CTranslate2 via faster-whisper), short-window decoding.

Whisper's encoder normally always sees a 30 s window, which costs ~0.8 s on two
cores even for a two-second command. CTranslate2 accepts a shorter mel input,
so the audio is padded only to the next whole second (at least
``min_window_s``): a 3 s command decodes in ~0.2 s with the same words
(measured in bench/, see README).

Decoding keeps Whisper's timestamp tokens. Without them, short noisy commands
in a padded window often came back repeated ("What time is it? What time is
it?"); with them the model closes the segment where the speech ends, and any
segment that would start after the end of the audio is dropped as invented.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError
from .base import Capabilities

_FRAMES_PER_S = 100


class WhisperStt:
    name = "whisper"

    def __init__(
        self, model_dir: Path, *, language: str = "en", threads: int = 2, beam_size: int = 1, min_window_s: float = 4.0
    ) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.feature_extractor import FeatureExtractor
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as exc:
            raise EngineLoadError("faster-whisper is not installed (pip install faster-whisper)") from exc
        try:
            self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads)
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError variants
            raise EngineLoadError(f"cannot load Whisper from {model_dir}: {exc}") from exc
        self.capabilities = Capabilities(streaming=False, partials=False, languages=(language,))
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language=language
        )
        self._features = FeatureExtractor(feature_size=self._model.model.n_mels)
        self._prompt = list(self._tokenizer.sot_sequence)
        self._suppress = [-1, *self._tokenizer.non_speech_tokens]
        self.beam_size = beam_size
        self.min_window_s = min_window_s
        self.model_dir = model_dir

    def window_seconds(self, n_samples: int) -> int:
        seconds = n_samples / SAMPLE_RATE
        return int(min(30, max(self.min_window_s, math.ceil(seconds + 0.5))))

    def transcribe(self, audio: Float32Array) -> str:
        import ctranslate2

        if len(audio) == 0:
            return ""
        window = self.window_seconds(len(audio))
        audio = audio[: window * SAMPLE_RATE]
        padded = np.zeros(window * SAMPLE_RATE, np.float32)
        padded[: len(audio)] = audio
        mel = self._features(padded, padding=0)[:, : window * _FRAMES_PER_S]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
        result = self._model.model.generate(
            features,
            [self._prompt],
            beam_size=self.beam_size,
            max_length=min(224, 16 + window * 12),
            suppress_blank=True,
            suppress_tokens=self._suppress,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
        )
        return self._text(result[0].sequences_ids[0], len(audio) / SAMPLE_RATE)

    def _text(self, ids: list[int], seconds: float) -> str:
        """Join the segments' text, dropping invented ones: a segment that starts in the
        last 0.2 s of the audio or after it, and a segment that repeats the one before."""
        tok = self._tokenizer
        parts: list[str] = []
        segment: list[int] = []
        start = 0.0
        for t in [*ids, tok.timestamp_begin]:
            if t >= tok.timestamp_begin:
                if segment and (start < seconds - 0.2 or not parts):
                    text = str(tok.decode(segment))
                    if not parts or _norm(text) != _norm(parts[-1]):
                        parts.append(text)
                segment = []
                start = (t - tok.timestamp_begin) * 0.02
            elif t < tok.eot:
                segment.append(t)
        return "".join(parts).strip()


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())
