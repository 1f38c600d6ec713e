"""Speech synthesis with the espeak-ng program: the last-resort fallback voice."""

from __future__ import annotations

import shutil
import subprocess

from ..audio.chunk import Int16Array
from ..audio.wav import parse_wav
from ..errors import EngineLoadError, StageError
from .base import Capabilities


class EspeakTts:
    name = "espeak"

    def __init__(self, voice: str = "", *, speed: float = 1.0) -> None:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise EngineLoadError("espeak-ng is not installed (apt install espeak-ng)")
        self._exe = exe
        self.voice = voice or "en-us"
        self._wpm = str(int(175 * speed))
        # espeak's output is resampled to 16 kHz by parse_wav
        self.capabilities = Capabilities(streaming=False, languages=("en",), sample_rate=16000)

    def synthesize(self, text: str) -> Int16Array:
        proc = subprocess.run(
            [self._exe, "--stdout", "-v", self.voice, "-s", self._wpm, "--", text],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if proc.returncode != 0:
            raise StageError("tts", f"espeak-ng failed: {proc.stderr.decode(errors='replace').strip()}")
        samples, _ = parse_wav(proc.stdout, name="espeak-ng output")
        return samples
