"""Spoken benchmark material: wake-word requests with a known end of speech.

Each item is one utterance, "Hey Jarvis, <request>", spoken by one of the
voices in :mod:`bench.voices`, laid out as ``lead_s`` of silence + speech +
``tail_s`` of silence, then mixed with pink noise at ``snr_db``.

The ground-truth end of speech is read off the *clean* speech before the noise
is added: the last sample whose short-time energy (mean square over a centred
10 ms window) is within ``END_THRESHOLD_DB`` of the loudest 10 ms of the
utterance. It is therefore accurate to about ±5 ms and ignores the TTS
engines' digital silence and very quiet fade-outs.

Synthesis is cached under ``bench/corpus/`` (git-ignored) so that repeated
runs use the very same audio; delete the folder to re-synthesise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.voices import VOICES, add_noise, pink_noise, silence
from hark.audio.chunk import SAMPLE_RATE, Int16Array, to_float

CACHE_DIR = Path(__file__).resolve().parent / "corpus"
ENERGY_WINDOW_S = 0.010
END_THRESHOLD_DB = 40.0
WAKE_PHRASE = "Hey Jarvis,"


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """A spoken request and what the brain should make of it."""

    text: str
    intent: str
    offset_days: int | None = None
    """For ``GetDate``: 0 today, 1 tomorrow; ``None`` for other intents."""


REQUESTS: tuple[Request, ...] = (
    Request("What time is it?", "GetTime"),
    Request("What's the time?", "GetTime"),
    Request("Tell me the time.", "GetTime"),
    Request("What is the time right now?", "GetTime"),
    Request("Do you know what time it is?", "GetTime"),
    Request("What's the current time?", "GetTime"),
    Request("What is the date today?", "GetDate", 0),
    Request("What day is it tomorrow?", "GetDate", 1),
    Request("What's today's date?", "GetDate", 0),
    Request("What day is it today?", "GetDate", 0),
    Request("What's the date?", "GetDate", 0),
    Request("Which day is it tomorrow?", "GetDate", 1),
)


@dataclasses.dataclass(frozen=True)
class Item:
    """One benchmark utterance. Times are seconds from the start of ``samples``."""

    id: str
    voice: str
    request: Request
    text: str
    samples: Int16Array
    speech_start_s: float
    speech_end_s: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def describe(self) -> dict[str, object]:
        return {
            "id": self.id,
            "voice": self.voice,
            "text": self.text,
            "request": self.request.text,
            "expected_intent": self.request.intent,
            "expected_offset_days": self.request.offset_days,
            "speech_start_s": round(self.speech_start_s, 4),
            "speech_end_s": round(self.speech_end_s, 4),
            "duration_s": round(self.duration_s, 4),
        }


def speech_bounds(samples: Int16Array, *, threshold_db: float = END_THRESHOLD_DB) -> tuple[float, float]:
    """(first, last) sample time, in seconds, whose short-time energy is above the threshold.

    The threshold is ``threshold_db`` below the loudest 10 ms of the signal, so
    quiet voices (hibari peaks around -18 dBFS) and loud ones are cut alike.
    """
    x = to_float(samples).astype(np.float64)
    n = max(1, round(ENERGY_WINDOW_S * SAMPLE_RATE))
    energy = np.convolve(x * x, np.ones(n) / n, mode="same")
    peak = float(energy.max())
    if peak <= 0.0:
        raise ValueError("the signal is silent")
    above = np.flatnonzero(energy > peak * 10 ** (-threshold_db / 10))
    return float(above[0]) / SAMPLE_RATE, float(above[-1] + 1) / SAMPLE_RATE


def available_voices(wanted: Sequence[str]) -> list[str]:
    """The voices of ``wanted`` that can speak here (piper is an optional extra)."""
    out = []
    for name in wanted:
        try:
            VOICES[name]("Hello.")
        except Exception as exc:
            print(f"voice {name!r} is unavailable, skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        out.append(name)
    return out


def cached_speech(voice: str, text: str, speed: float = 1.0) -> Int16Array:
    """Clean synthesis of ``text`` by ``voice``, cached on disk by (voice, text, speed)."""
    key = hashlib.sha1(json.dumps([voice, text, speed]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"{voice}-{key}.npy"
    if path.is_file():
        return np.load(path)
    speak: Callable[..., Int16Array] = VOICES[voice]
    samples = np.asarray(speak(text, speed=speed), np.int16)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, samples)
    tmp.replace(path)
    return samples


def make_item(
    voice: str,
    request: Request,
    *,
    lead_s: float = 0.8,
    tail_s: float = 2.5,
    snr_db: float | None = 10.0,
    tag: str = "",
) -> Item:
    """Synthesise (or load) one request and lay it out with silence and noise.

    The item's id and noise depend only on (voice, request, tag), so the quick
    set and runs over fewer voices use exactly the audio of the full set.
    """
    text = f"{WAKE_PHRASE} {request.text}"
    speech = cached_speech(voice, text)
    clean = np.concatenate([silence(lead_s), speech, silence(tail_s)])
    start, end = speech_bounds(clean)
    number = REQUESTS.index(request) if request in REQUESTS else 99
    item_id = f"{voice}/r{number:02d}{tag}"
    seed = int.from_bytes(hashlib.sha1(item_id.encode()).digest()[:4], "little")
    noisy = clean if snr_db is None else add_noise(clean, snr_db, pink_noise(len(clean), seed=seed))
    return Item(item_id, voice, request, text, noisy, start, end)


def build_corpus(
    voices: Sequence[str],
    requests: Sequence[Request] = REQUESTS,
    *,
    limit: int | None = None,
    snr_db: float | None = 10.0,
) -> list[Item]:
    """Every request by every voice; with ``limit``, that many items that still mix voices and intents."""
    if limit is None:
        pairs = [(v, r) for r in requests for v in voices]
    else:
        stride = next(s for s in range(max(1, len(requests) // 2 - 1), 0, -1) if math.gcd(s, len(requests)) == 1)
        pairs = [(voices[i % len(voices)], requests[(i * stride) % len(requests)]) for i in range(limit)]
    return [make_item(v, r, snr_db=snr_db) for v, r in pairs]
