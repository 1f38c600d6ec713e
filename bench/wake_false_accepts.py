"""Wake word false accepts on continuous speech, detection rate on spoken wake phrases, and CPU cost.

    .venv/bin/python -m bench.wake_false_accepts [--quick] [--minutes 20] [--out bench/results/wake.json]

What is measured
----------------
*False accepts.* A continuous stream of ``--minutes`` of English speech that
never says a wake word (varied sentences, every voice of :mod:`bench.voices`
at speeds 0.9/1.0/1.1, 0.2-1.2 s pauses, a third of the sentences clean and
the rest in pink noise at 20 or 10 dB SNR) is fed through one
``MicroWakeWordEngine`` holding all four built-in models, in 512-sample
(32 ms) windows, as fast as it will go. Every detection is a false accept; it
is reported per wake word, per hour, with the sentence that was playing.

*CPU.* Process CPU time spent inside ``process`` over the stream, as
milliseconds per 80 ms of audio (and as a share of one core), for the four
models together.

*Detection.* Positive examples: each wake phrase ("Hey Jarvis", "Okay Nabu",
"Alexa", "Hey Mycroft") spoken by each voice and followed by a request in the
same breath ("..., what time is it?"), 0.5 s of silence before and 1 s after,
clean and at 10 dB SNR. Each example goes through a fresh engine. A model
detects an example when it fires anywhere in it; a model firing on another
model's phrase is counted as a cross-fire.

Speech is cached under ``bench/corpus/`` like the latency corpus.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import available_voices, cached_speech
from bench.metrics import CpuMeter, busy_warning, machine_info, write_json
from bench.voices import add_noise, pink_noise, silence
from hark.audio.chunk import SAMPLE_RATE, Int16Array
from hark.engines.wake_micro import MicroWakeWordEngine

DEFAULT_OUT = Path("bench/results/wake.json")
DEFAULT_VOICES = ("hibari", "piper", "espeak-us", "espeak-gb")
WAKE_WORDS = ("hey_jarvis", "okay_nabu", "alexa", "hey_mycroft")
WINDOW = 512
SPEEDS = (0.9, 1.0, 1.1)
NOISE_LEVELS: tuple[float | None, ...] = (None, 20.0, 10.0)
POSITIVE_REQUESTS = ("what time is it?", "what is the date today?", "turn on the kitchen lights.")

SENTENCES = (
    "The weather is lovely this afternoon, shall we go for a walk?",
    "I need to buy milk, bread and a dozen eggs before the shop closes.",
    "Could you pass me the salt and the pepper, please?",
    "The train to Manchester leaves from platform four at half past nine.",
    "My sister is visiting next weekend with her two children.",
    "Have you seen my keys? I'm sure I left them on the table.",
    "The meeting has been moved to Thursday morning at ten.",
    "Let's order pizza tonight, I'm too tired to cook.",
    "He plays the guitar in a small band on Friday nights.",
    "The library opens at nine and closes at five thirty.",
    "I think it's going to rain later, take an umbrella.",
    "What time does the football match start on Saturday?",
    "She finished the marathon in just under four hours.",
    "The kettle has boiled, would anyone like a cup of tea?",
    "Remember to water the plants while I'm away.",
    "Our flight was delayed by three hours because of fog.",
    "The children are playing in the garden with the dog.",
    "Turn left at the roundabout and then take the second right.",
    "I'm reading a book about the history of the Roman empire.",
    "Jack and Jill went up the hill to fetch a pail of water.",
    "Please send me the report by the end of the day.",
    "The restaurant on the corner does excellent curry.",
    "We should paint the living room a lighter colour.",
    "Harvey said the package would arrive on Tuesday.",
    "Alex and Marcus are coming round for dinner.",
    "A hundred and twenty people signed up for the course.",
    "Hey, are you coming to the party on Friday?",
    "Okay, now let's try that once more from the top.",
    "My computer keeps crashing whenever I open the browser.",
    "The bakery sells fresh croissants every morning.",
    "Can you believe how expensive petrol has become?",
    "I'd like to book a table for four at seven o'clock.",
    "The museum has a new exhibition on ancient Egypt.",
    "Don't forget your passport, you'll need it at the airport.",
    "The cat knocked a glass off the kitchen counter again.",
    "He's been learning Spanish for almost two years now.",
    "The bus was so crowded that I had to stand all the way.",
    "Let me know when you've finished with the vacuum cleaner.",
    "There's a strange noise coming from the washing machine.",
    "The garden centre is having a sale on roses this week.",
    "I can't find the remote control anywhere.",
    "Travis is the new manager of the Birmingham office.",
    "It's been a long day, I'm going to bed early.",
    "The price of coffee has gone up again this month.",
    "We watched a documentary about whales last night.",
    "My grandmother makes the best apple pie in the world.",
    "The bridge will be closed for repairs until March.",
    "Could you turn the music down a little, please?",
    "I've got a dentist appointment on Wednesday afternoon.",
    "The shop assistant helped me find the right size.",
    "Nobody expected the match to end in a draw.",
    "A fox ran across the road in front of the car.",
    "Let's meet outside the cinema at a quarter to eight.",
    "The recipe calls for two cups of flour and one egg.",
    "I'm not sure whether to take the job in Edinburgh.",
    "The new phone has a much better camera than the old one.",
    "Why don't we go to the seaside for the bank holiday?",
    "Martin fixed the leaking tap in the bathroom yesterday.",
    "The concert was cancelled because the singer was ill.",
    "Put the leftovers in the fridge before you go to bed.",
    "Every morning I cycle to work along the canal.",
    "Jasmine tea is my favourite, but I also like green tea.",
    "The farmer's market is on every second Sunday.",
    "My neighbour's dog barks whenever the postman comes.",
    "Please remind me to call the plumber tomorrow.",
    "The jury took three days to reach a verdict.",
    "Hey, mind the step on your way out.",
    "Okay, I'll see you at the station then.",
    "Alexander Fleming discovered penicillin in nineteen twenty-eight.",
    "The microwave beeped three times and then stopped.",
    "The novel's ending was a complete surprise to everyone.",
    "Could you check whether the back door is locked?",
    "We planted tomatoes, carrots and a row of lettuce.",
    "The hotel room had a wonderful view of the harbour.",
    "My favourite season is autumn, when the leaves turn gold.",
    "The lecture on quantum physics went completely over my head.",
    "Don't leave the oven on when you go out.",
    "It took us two hours to assemble the new wardrobe.",
    "The baby finally fell asleep after a long bath.",
    "I'll have the soup of the day and a glass of water.",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    voice: str
    speed: float
    snr_db: float | None
    text: str


# -- material --------------------------------------------------------------------------------------


def negative_stream(minutes: float, voices: Sequence[str], seed: int = 0) -> tuple[Int16Array, list[Segment]]:
    """Continuous wake-word-free speech of at least ``minutes``, with the sentence layout."""
    rng = np.random.default_rng(seed)
    combos = [(s, v, sp) for s in SENTENCES for v in voices for sp in SPEEDS]
    order = rng.permutation(len(combos))
    parts: list[Int16Array] = []
    segments: list[Segment] = []
    total = 0
    target = int(minutes * 60 * SAMPLE_RATE)
    for k, i in enumerate(order):
        if total >= target:
            break
        text, voice, speed = combos[i]
        snr = NOISE_LEVELS[k % len(NOISE_LEVELS)]
        piece = np.concatenate([cached_speech(voice, text, speed), silence(float(rng.uniform(0.2, 1.2)))])
        if snr is not None:
            piece = add_noise(piece, snr, pink_noise(len(piece), seed=seed * 100_000 + k))
        segments.append(Segment(total / SAMPLE_RATE, (total + len(piece)) / SAMPLE_RATE, voice, speed, snr, text))
        parts.append(piece)
        total += len(piece)
    if total < target:
        raise ValueError(f"only {total / SAMPLE_RATE / 60:.1f} min of distinct material; lower --minutes")
    return np.concatenate(parts), segments


@dataclasses.dataclass(frozen=True)
class Positive:
    wake_word: str
    phrase: str
    voice: str
    request: str
    snr_db: float | None
    samples: Int16Array


def positives(voices: Sequence[str], phrases: dict[str, str], requests: Sequence[str]) -> list[Positive]:
    out = []
    for n, (word, phrase) in enumerate(phrases.items()):
        for v, voice in enumerate(voices):
            for r, request in enumerate(requests):
                speech = cached_speech(voice, f"{phrase}, {request}")
                clean = np.concatenate([silence(0.5), speech, silence(1.0)])
                noisy = add_noise(clean, 10.0, pink_noise(len(clean), seed=1000 * n + 10 * v + r))
                out.append(Positive(word, phrase, voice, request, None, clean))
                out.append(Positive(word, phrase, voice, request, 10.0, noisy))
    return out


# -- running ---------------------------------------------------------------------------------------------


def detect(engine: MicroWakeWordEngine, samples: Int16Array) -> list[tuple[str, float]]:
    """All detections over ``samples``, fed in ``WINDOW``-sample windows: (wake word id, end time in s)."""
    found = []
    for i in range(0, len(samples) - WINDOW + 1, WINDOW):
        found.extend((d.wake_word, d.audio_t) for d in engine.process(samples[i : i + WINDOW], i / SAMPLE_RATE))
    return found


def false_accepts(samples: Int16Array, segments: Sequence[Segment]) -> dict[str, Any]:
    engine = MicroWakeWordEngine(WAKE_WORDS)
    meter = CpuMeter().start()
    found = detect(engine, samples)
    cpu = meter.stop()
    audio_s = len(samples) / SAMPLE_RATE
    starts = np.array([s.start_s for s in segments])
    events = []
    for word, t in found:
        seg = segments[int(np.searchsorted(starts, t, side="right")) - 1]
        events.append({"wake_word": word, "t_s": round(t, 2), **dataclasses.asdict(seg)})
    counts = {w: sum(e["wake_word"] == w for e in events) for w in WAKE_WORDS}
    return {
        "audio_s": round(audio_s, 1),
        "sentences": len(segments),
        "false_accepts": counts,
        "false_accepts_per_hour": {w: round(c * 3600 / audio_s, 2) for w, c in counts.items()},
        "events": events,
        "cpu": {
            **cpu,
            "cpu_ms_per_80ms_audio": round(cpu["process_cpu_s"] * 1000 / (audio_s / 0.080), 3),
            "realtime_factor": round(cpu["process_cpu_s"] / audio_s, 5),
            "models": len(WAKE_WORDS),
        },
    }


def detection(examples: Sequence[Positive]) -> dict[str, Any]:
    rows = []
    for ex in examples:
        fired = {w for w, _ in detect(MicroWakeWordEngine(WAKE_WORDS), ex.samples)}
        rows.append(
            {
                "wake_word": ex.wake_word,
                "voice": ex.voice,
                "request": ex.request,
                "snr_db": ex.snr_db,
                "fired": sorted(fired),
            }
        )
    return {"examples": rows, "rates": detection_rates(rows), "cross_fires": cross_fires(rows)}


def _rate(rows: Sequence[dict[str, Any]]) -> float | None:
    return round(sum(r["wake_word"] in r["fired"] for r in rows) / len(rows), 4) if rows else None


def detection_rates(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per wake word: overall, per condition and per voice."""
    out: dict[str, Any] = {}
    for word in WAKE_WORDS:
        mine = [r for r in rows if r["wake_word"] == word]
        out[word] = {
            "n": len(mine),
            "overall": _rate(mine),
            "clean": _rate([r for r in mine if r["snr_db"] is None]),
            "snr_10db": _rate([r for r in mine if r["snr_db"] is not None]),
            "by_voice": {
                v: _rate([r for r in mine if r["voice"] == v]) for v in dict.fromkeys(r["voice"] for r in mine)
            },
        }
    return out


def cross_fires(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How often each model fired on an example of another wake phrase."""
    return {w: sum(w in r["fired"] and r["wake_word"] != w for r in rows) for w in WAKE_WORDS}


# -- report ----------------------------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    fa = report["false_accepts"]
    cpu = fa["cpu"]
    print(f"\nFalse accepts over {fa['audio_s'] / 60:.1f} min of wake-word-free speech ({fa['sentences']} sentences)")
    for w in WAKE_WORDS:
        print(f"  {w:<12} {fa['false_accepts'][w]:>3}   ({fa['false_accepts_per_hour'][w]:.2f} per hour)")
    for e in fa["events"]:
        print(
            f"    {e['wake_word']:<12} at {e['t_s']:8.2f} s  [{e['voice']} x{e['speed']} snr={e['snr_db']}] {e['text']!r}"
        )
    print(
        f"CPU: {cpu['cpu_ms_per_80ms_audio']:.3f} ms per 80 ms of audio for {cpu['models']} models "
        f"({cpu['realtime_factor'] * 100:.2f}% of one core); {cpu['process_cpu_s']:.1f} s CPU for {fa['audio_s']:.0f} s audio"
    )
    m = report["machine"]
    print(f"  machine load average (1/5/15 min): {m['loadavg_1_5_15']} at start, {m['loadavg_at_end']} at end")
    det = report["detection"]
    voices = report["voices"]
    print("\nDetection rate on spoken wake phrases followed by a request")
    print(
        f"  {'model':<12} {'n':>3} {'all':>7} {'clean':>7} {'10 dB':>7}  "
        + " ".join(f"{v:>9}" for v in voices)
        + "  cross-fires"
    )
    for w in WAKE_WORDS:
        r = det["rates"][w]
        per_voice = " ".join(_pct(r["by_voice"].get(v), 9) for v in voices)
        print(
            f"  {w:<12} {r['n']:>3} {_pct(r['overall'])} {_pct(r['clean'])} {_pct(r['snr_10db'])}  {per_voice}  {det['cross_fires'][w]}"
        )


def _pct(x: float | None, width: int = 7) -> str:
    return f"{x * 100:{width - 1}.1f}%" if x is not None else f"{'-':>{width}}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.wake_false_accepts", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 minutes of speech and one request per positive")
    p.add_argument("--minutes", type=float, default=None, help="minutes of wake-word-free speech (default 20, quick 2)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    p.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="comma-separated voices from bench/voices.py")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    minutes = args.minutes if args.minutes is not None else (2.0 if args.quick else 20.0)
    voices = available_voices([v.strip() for v in args.voices.split(",") if v.strip()])
    if not voices:
        print("no voice available", file=sys.stderr)
        return 1
    machine = machine_info()
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    t0 = time.perf_counter()
    samples, segments = negative_stream(minutes, voices)
    phrases = dict(zip(WAKE_WORDS, MicroWakeWordEngine(WAKE_WORDS).phrases, strict=True))
    examples = positives(voices, phrases, POSITIVE_REQUESTS[:1] if args.quick else POSITIVE_REQUESTS)
    print(
        f"material ready in {time.perf_counter() - t0:.1f} s: {len(samples) / SAMPLE_RATE / 60:.1f} min, {len(examples)} positives",
        flush=True,
    )
    report = {
        "benchmark": "wake",
        "mode": "quick" if args.quick else "full",
        "machine": {**machine, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "voices": voices,
        "window_samples": WINDOW,
        "wake_words": phrases,
        "false_accepts": false_accepts(samples, segments),
        "detection": detection(examples),
    }
    print_report(report)
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
