"""Spoken benchmark material: wake-word requests with a known end of speech.

Each item is one utterance, "Hey Jarvis, <request>", spoken by one of the
voices in :mod:`bench.voices`, laid out as ``lead_s`` of silence + speech +
``tail_s`` of silence, then mixed with pink noise at ``snr_db``.

The ground-truth end of speech is read off the *clean* speech before the noise
is added: the last sample whose short-time energy (mean square over a centred
10 ms window) is within ``END_THRESHOLD_DB`` of the loudest 10 ms of the
utterance. It is therefore accurate to about ±5 ms and ignores the TTS
engines' digital silence and very quiet fade-outs.

Three request sets (see :data:`CATEGORIES`): ``timedate`` (:data:`REQUESTS`, the
time and date questions of the first benchmarks), ``commands`` (:data:`COMMANDS`:
timers, the shopping list, the weather, lights) and ``open`` (:data:`OPEN_QUESTIONS`,
which no classic intent matches, so the LLM answers). Each request says what must
happen for the turn to count as understood: the skill tool that must act and a
subset of its arguments, and the effect that must be seen afterwards (a timer in
the store, an item on the list, a Home Assistant service call, ...); see
:mod:`bench.household_brain`, which checks them.

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
    """A label for the request (``GetTime``, ``GetDate``, ``HassStartTimer``, ``Generative``, ...);
    the checks use ``action`` and ``effect``, not this name."""
    offset_days: int | None = None
    """For ``GetDate``: 0 today, 1 tomorrow; ``None`` for other intents."""
    action: str | None = None
    """The skill tool the classic brain must call; ``None``: the LLM must answer."""
    arguments: tuple[tuple[str, object], ...] = ()
    """Arguments that call must have (a subset of what it was given)."""
    effect: str = ""
    """What must be true afterwards, read by :func:`bench.household_brain.verify`:
    ``time``, ``date:<offset days>``, ``timer:<seconds>[:<name>]``, ``list:<list>:<item>``,
    ``weather``, ``ha:<domain>.<service>:<entity>,<entity>``, or empty (nothing may change)."""


def _time(text: str) -> Request:
    return Request(text, "GetTime", action="time_now", effect="time")


def _date(text: str, offset: int) -> Request:
    return Request(text, "GetDate", offset, action="date_today", effect=f"date:{offset}")


REQUESTS: tuple[Request, ...] = (
    _time("What time is it?"),
    _time("What's the time?"),
    _time("Tell me the time."),
    _time("What is the time right now?"),
    _time("Do you know what time it is?"),
    _time("What's the current time?"),
    _date("What is the date today?", 0),
    _date("What day is it tomorrow?", 1),
    _date("What's today's date?", 0),
    _date("What day is it today?", 0),
    _date("What's the date?", 0),
    _date("Which day is it tomorrow?", 1),
)
"""Time and date questions (category ``timedate``)."""

_KITCHEN = "light.kitchen_ceiling,light.kitchen_spots"  # the kitchen lights of tests/fake_homeassistant.py

COMMANDS: tuple[Request, ...] = (
    Request(
        "Set a timer for five minutes.", "HassStartTimer", None, "timer_start", (("duration_s", 300),), "timer:300"
    ),
    Request("Set a timer for ten minutes.", "HassStartTimer", None, "timer_start", (("duration_s", 600),), "timer:600"),
    Request(
        "Start a pasta timer for eight minutes.",
        "HassStartTimer",
        None,
        "timer_start",
        (("duration_s", 480), ("name", "pasta")),
        "timer:480:pasta",
    ),
    Request(
        "Add milk to the shopping list.",
        "HassListAddItem",
        None,
        "list_add",
        (("list", "shopping"), ("item", "milk")),
        "list:shopping:milk",
    ),
    Request(
        "Add eggs to my shopping list.",
        "HassListAddItem",
        None,
        "list_add",
        (("list", "shopping"), ("item", "eggs")),
        "list:shopping:eggs",
    ),
    Request(
        "Put bananas on the shopping list.",
        "HassListAddItem",
        None,
        "list_add",
        (("list", "shopping"), ("item", "bananas")),
        "list:shopping:bananas",
    ),
    Request("What's the weather?", "HassGetWeather", None, "weather_get", (("when", "now"),), "weather"),
    Request("What's the weather like today?", "HarkWeather", None, "weather_get", (("when", "today"),), "weather"),
    Request("What's the weather tomorrow?", "HarkWeather", None, "weather_get", (("when", "tomorrow"),), "weather"),
    Request(
        "Turn on the kitchen lights.",
        "HassTurnOn",
        None,
        "device_turn_on",
        (("area", "Kitchen"), ("domain", "light")),
        f"ha:light.turn_on:{_KITCHEN}",
    ),
    Request(
        "Turn off the living room lamp.",
        "HassTurnOff",
        None,
        "device_turn_off",
        (("domain", "light"),),
        "ha:light.turn_off:light.living_room_lamp",
    ),
    Request(
        "Switch off the kitchen lights.",
        "HassTurnOff",
        None,
        "device_turn_off",
        (("area", "Kitchen"), ("domain", "light")),
        f"ha:light.turn_off:{_KITCHEN}",
    ),
)
"""Everyday classic commands (category ``commands``): timers, the shopping list, weather, lights."""

OPEN_QUESTIONS: tuple[Request, ...] = tuple(
    Request(text, "Generative")
    for text in (
        "Why is the sky blue?",
        "Tell me a fun fact about octopuses.",
        "Why do cats purr?",
        "How do airplanes stay in the air?",
        "What is a black hole?",
        "Who invented the telephone?",
    )
)
"""Open questions no classic intent matches (category ``open``): the LLM answers."""

CATEGORIES: dict[str, tuple[Request, ...]] = {"timedate": REQUESTS, "commands": COMMANDS, "open": OPEN_QUESTIONS}
_ID_PREFIX = {"timedate": "r", "commands": "c", "open": "q"}


def request_id(request: Request) -> str:
    """``r07`` (time/date, as in the first benchmarks), ``c03`` (commands), ``q01`` (open questions), ``r99`` (other)."""
    for category, requests in CATEGORIES.items():
        if request in requests:
            return f"{_ID_PREFIX[category]}{requests.index(request):02d}"
    return "r99"


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
            "expected_action": self.request.action,
            "expected_arguments": dict(self.request.arguments),
            "expected_effect": self.request.effect,
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
    item_id = f"{voice}/{request_id(request)}{tag}"
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
