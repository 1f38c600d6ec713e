"""Who is speaking: speaker identification on 3 s utterances, false accepts, false rejects, cost.

Voices (:func:`pool`): every synthetic voice of :mod:`bench.asr.voices` (flite, festival,
espeak-ng variants, Hark's own hibari, Piper joe and espeak) plus more espeak-ng variants, and
the real recordings on the machine (Asterisk's Allison, the LibriVox reader of
pocketsphinx-testdata as members; the pocketsphinx "cards" and "go forward" speakers as
strangers only: too little audio to enrol). ``festival-slt-hts`` is left out: it is the same
person (CMU Arctic SLT) as ``flite-slt``.

Each voice enrols with four sentences (:data:`ENROL_TEXTS`) and is tested on ten 3.0 s
utterances of *other* sentences (:data:`TEST_TEXTS`, cut to exactly 3 s): clean; with pink
noise at 20 dB SNR after a clean enrolment (``20dB``, mismatched); and with noise at 20 dB in
both (``20dB-enrol20dB``: a member enrols on the device in the same room). Households of four (and of six) members are drawn at random from the voices
that can enrol (300 of each, seeded); in each, a member's utterance is a *genuine* trial and
everybody else's an *impostor* trial:

* identified: the member is recognised (score >= threshold, margin over the runner-up met);
* false reject (FRR): a member's turn falls back to the default profile (or, counted apart as
  *confused*, is taken for another member);
* false accept (FAR): a stranger's turn is taken for a member;
* EER: the threshold where the verification FAR (a stranger's best score) equals the FRR
  (a member's score against their own profile), margins aside.

Cost: the whole embedding of a 3 s utterance (checks, volume, silence trim, mel, network), the
network alone for 3 partials and for one (the part left at the end of a turn when partials are
embedded while the user speaks), both backends, and one ``identify`` among six profiles.

    .venv/bin/python -m bench.voice_id            # ~3 min on 2 cores (synthesis cached after the first run)
    .venv/bin/python -m bench.voice_id --quick    # 8 voices, fewer households

Writes ``bench/results/voice_id.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.asr import voices as asr_voices
from bench.metrics import announce_machine, summary, write_json
from bench.voices import add_noise, pink_noise
from hark.audio.chunk import SAMPLE_RATE, Int16Array
from hark.voices.encoder import EncoderSettings, SpeakerEncoder
from hark.voices.matcher import DEFAULT_MARGIN, DEFAULT_THRESHOLD, Matcher, enrol

RESULTS = Path(__file__).resolve().parent / "results" / "voice_id.json"
TEST_S = 3.0
SNR_DB = 20.0

ENROL_TEXTS = (
    "Hello, this is my voice. I would like you to know who is speaking when I ask you something.",
    "The quick brown fox jumps over the lazy dog, while the cat sleeps by the warm kitchen window.",
    "Every morning I make a cup of coffee, read the news, and check the weather before I leave.",
    "Please remember my voice, so that my lists, reminders and music are mine and nobody else's.",
)
TEST_TEXTS = (
    "Set a timer for ten minutes and remind me to take the bread out of the oven.",
    "What's the weather going to be like tomorrow morning, and will it rain in the afternoon?",
    "Turn off the lights in the living room and close the blinds in the bedroom, please.",
    "Add milk, eggs, butter and a loaf of bread to my shopping list for this weekend.",
    "Play some relaxing music in the kitchen and turn the volume down a little bit.",
    "How many kilometres are there in twenty six miles, and how long would it take to run?",
    "Wake me up at seven thirty tomorrow and tell me about my appointments for the day.",
    "Remind me to call my grandmother on Sunday evening after dinner is finished.",
    "What time is it in Tokyo right now, and is it already tomorrow over there?",
    "Can you tell me a short story about a dragon who was afraid of the dark?",
)
EXTRA_ESPEAK = {
    # more espeak-ng variants (Debian espeak-ng): different pitch, formants and voicing
    "espeak-us-f2": "en-us+f2",
    "espeak-en-m4": "en+m4",
    "espeak-us-klatt3": "en-us+klatt3",
    "espeak-en-f5": "en+f5",
    "espeak-rp-m7": "en-gb-x-rp+m7",
    "espeak-us-grandma": "en-us+grandma",
}
DISTINCT = (
    # one voice per person or voice model: flite's kal16 and festival's kal_diphone are the same
    # diphone database (cosine 0.94), festival's slt-hts the same speaker as flite's slt, and the
    # espeak-ng variants are one formant synthesiser with other pitch and formants (0.83-0.99:
    # the hard set, evaluated apart)
    "flite-slt",
    "flite-rms",
    "flite-awb",
    "flite-kal16",
    "festival-ked",
    "hibari",
    "piper-joe",
    "espeak-us",
)


@dataclasses.dataclass(frozen=True)
class Voice:
    name: str
    family: str
    enrol: tuple[Int16Array, ...]
    """Enrolment utterances (empty: a stranger only)."""
    tests: tuple[Int16Array, ...]
    """3 s test utterances."""


def _espeak_extra(voice: str, text: str) -> Int16Array:
    key = hashlib.sha1(json.dumps([voice, text]).encode()).hexdigest()[:16]
    path = asr_voices.CACHE_DIR / f"{voice}-{key}.npy"
    if path.is_file():
        return np.load(path)  # type: ignore[no-any-return]
    samples = asr_voices.espeak(text, EXTRA_ESPEAK[voice])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, samples)
    return samples


def _speaker(name: str) -> Callable[[str], Int16Array]:
    if name in EXTRA_ESPEAK:
        return lambda text: _espeak_extra(name, text)
    return lambda text: asr_voices.speak(name, text)


def cut(pieces: Sequence[Int16Array], seconds: float = TEST_S) -> Int16Array:
    """Exactly ``seconds`` of speech: the pieces, silences trimmed, 150 ms apart, cut."""
    gap = np.zeros(int(0.15 * SAMPLE_RATE), np.int16)
    audio = np.concatenate([p for piece in pieces for p in (asr_voices.trim(piece), gap)])
    n = int(seconds * SAMPLE_RATE)
    while len(audio) < n:
        audio = np.concatenate([audio, audio])
    return audio[:n]


def synthetic_voice(name: str, family: str) -> Voice:
    say = _speaker(name)
    spoken = [say(t) for t in TEST_TEXTS]
    tests = tuple(cut([spoken[i], spoken[(i + 1) % len(spoken)]]) for i in range(len(spoken)))
    return Voice(name, family, tuple(asr_voices.trim(say(t)) for t in ENROL_TEXTS), tests)


def real_voices() -> list[Voice]:
    recs = asr_voices.real_recordings(asterisk_limit=400)
    out: list[Voice] = []
    allison = [asr_voices.trim(r.samples) for r in recs if r.source == "asterisk"]
    if len(allison) >= 60:
        # enrol with 4 runs of prompts (~3-4 s each), test on 10 3 s runs of other prompts
        enrol_runs = tuple(cut(allison[i * 4 : i * 4 + 4], 4.0) for i in range(4))
        tests = tuple(cut(allison[20 + i * 3 : 20 + i * 3 + 3]) for i in range(10))
        out.append(Voice("asterisk-allison", "real", enrol_runs, tests))
    libri = {r.id.rsplit("-", 1)[-1]: r.samples for r in recs if "/librivox/" in r.id}
    if len(libri) == 5:
        enrol_clips = (libri["0870"], libri["0880"])
        tests = tuple(cut([libri[k]]) for k in ("0890", "0920", "0930"))
        out.append(Voice("librivox-reader", "real", enrol_clips, tests))
    cards = [r.samples for r in recs if "/cards/" in r.id]
    if cards:
        out.append(Voice("pocketsphinx-cards", "real", (), (cut(cards),)))
    go = [r.samples for r in recs if r.id.endswith("goforward")]
    if go:
        out.append(Voice("pocketsphinx-goforward", "real", (), (cut(go),)))
    return out


def pools(quick: bool) -> tuple[list[Voice], list[Voice]]:
    """The distinct voices (synthetic and real), and the espeak-ng variants (the hard set)."""
    families = {n: fam for n, (fam, _) in asr_voices.VOICES.items()}
    espeak = [n for n, fam in families.items() if n.startswith("espeak")] + list(EXTRA_ESPEAK)
    if quick:
        espeak = espeak[::2]
    made: dict[str, Voice] = {}
    for name in (*DISTINCT, *espeak):
        why = asr_voices.voice_available(name) if name in asr_voices.VOICES else None
        if why is not None:
            print(f"  skipping {name}: {why}")
        elif name not in made:
            made[name] = synthetic_voice(name, families.get(name, "espeak"))
    distinct = [made[n] for n in DISTINCT if n in made] + real_voices()
    return distinct, [made[n] for n in espeak if n in made]


@dataclasses.dataclass(frozen=True)
class Embedded:
    voices: list[Voice]
    profiles: dict[str, np.ndarray]
    tests: list[tuple[str, np.ndarray]]
    """(voice, embedding) of every test utterance of every voice."""
    embed_ms: list[float]


def _noisy(samples: Int16Array, snr_db: float | None, key: str) -> Int16Array:
    if snr_db is None:
        return samples
    seed = int.from_bytes(hashlib.sha1(key.encode()).digest()[:4], "little")
    return np.asarray(add_noise(samples, snr_db, pink_noise(len(samples), seed=seed)), np.int16)


def embed_all(
    encoder: SpeakerEncoder, voices: list[Voice], *, snr_db: float | None, enrol_snr_db: float | None = None
) -> Embedded:
    """Profiles from the enrolment utterances (with noise at ``enrol_snr_db``), embeddings of the
    test utterances (noise at ``snr_db``; other noise than the enrolment's)."""
    profiles: dict[str, np.ndarray] = {}
    tests: list[tuple[str, np.ndarray]] = []
    times: list[float] = []
    for v in voices:
        if v.enrol:
            utterances = [_noisy(u, enrol_snr_db, f"{v.name}/enrol{i}") for i, u in enumerate(v.enrol)]
            profiles[v.name] = enrol([encoder.embed(u) for u in utterances]).embedding
        for i, t in enumerate(v.tests):
            t = _noisy(t, snr_db, f"{v.name}/{i}")
            t0 = time.perf_counter()
            e = encoder.embed(t)
            times.append((time.perf_counter() - t0) * 1000)
            tests.append((v.name, e))
    return Embedded(voices, profiles, tests, times)


def households(members: Sequence[str], size: int, count: int, seed: int) -> list[tuple[str, ...]]:
    rng = np.random.default_rng(seed)
    return [tuple(rng.choice(np.array(members), size=size, replace=False)) for _ in range(count)]


THRESHOLDS = np.round(np.arange(0.50, 0.96, 0.005), 3)


def evaluate(data: Embedded, size: int, count: int, margin: float) -> dict[str, Any]:
    names = list(data.profiles)
    P = np.stack([data.profiles[n] for n in names])
    index = {n: i for i, n in enumerate(names)}
    who = [w for w, _ in data.tests]
    S = np.stack([e for _, e in data.tests]) @ P.T  # (tests, profiles)
    # closed set among every enrolled voice: the hardest household
    own = [i for i, w in enumerate(who) if w in index]
    closed = float(np.mean([names[int(np.argmax(S[i]))] == who[i] for i in own]))
    genuine_best: list[tuple[float, float, bool]] = []  # (best score, margin, best is self) per member trial
    genuine_own: list[float] = []
    impostor: list[tuple[float, float]] = []  # (best score, margin) per stranger trial
    for house in households(names, size, count, seed=size):
        cols = [index[n] for n in house]
        sub = S[:, cols]
        order = np.sort(sub, axis=1)
        best, second = order[:, -1], order[:, -2]
        arg = np.argmax(sub, axis=1)
        for i, w in enumerate(who):
            if w in house:
                genuine_best.append((float(best[i]), float(best[i] - second[i]), house[int(arg[i])] == w))
                genuine_own.append(float(S[i, index[w]]))
            else:
                impostor.append((float(best[i]), float(best[i] - second[i])))
    g = np.array(genuine_best)
    imp = np.array(impostor)
    rows = []
    for thr in THRESHOLDS:
        accepted = (g[:, 0] >= thr) & (g[:, 1] >= margin)
        identified = accepted & (g[:, 2] == 1)
        confused = accepted & (g[:, 2] == 0)
        fa = (imp[:, 0] >= thr) & (imp[:, 1] >= margin)
        rows.append(
            {
                "threshold": float(thr),
                "identified": float(identified.mean()),
                "frr": float(1 - identified.mean()),
                "confused": float(confused.mean()),
                "far": float(fa.mean()),
            }
        )
    own_a, imp_a = np.array(genuine_own), imp[:, 0]
    frr_v = np.array([(own_a < t).mean() for t in THRESHOLDS])
    far_v = np.array([(imp_a >= t).mean() for t in THRESHOLDS])
    k = int(np.argmin(np.abs(frr_v - far_v)))
    return {
        "household_size": size,
        "households": count,
        "margin": margin,
        "genuine_trials": len(g),
        "impostor_trials": len(imp),
        "closed_set_all_voices": closed,
        "eer": float((frr_v[k] + far_v[k]) / 2),
        "eer_threshold": float(THRESHOLDS[k]),
        "genuine_score": summary(list(own_a)),
        "impostor_best_score": summary(list(imp_a)),
        "by_threshold": rows,
    }


def at(result: dict[str, Any], threshold: float) -> dict[str, float]:
    return min(result["by_threshold"], key=lambda r: abs(r["threshold"] - threshold))  # type: ignore[no-any-return]


def timings(encoder: SpeakerEncoder, numpy_encoder: SpeakerEncoder, clip: Int16Array, reps: int) -> dict[str, Any]:
    def measure(fn: Callable[[], object], n: int, scale: float = 1000.0) -> dict[str, float | int | None]:
        fn()
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * scale)
        return summary(out)

    speech = encoder.speech(clip)
    mels = encoder.partials(speech)
    profiles = {f"m{i}": np.random.default_rng(i).random(256).astype(np.float32) for i in range(6)}
    e = encoder.embed(clip)
    matcher = Matcher()
    few = max(5, reps // 5)
    return {
        "partials_3s": int(mels.shape[0]),
        "embed_3s_onnx_ms": measure(lambda: encoder.embed(clip), reps),
        "prepare_and_mel_ms": measure(lambda: encoder.partials(encoder.speech(clip)), reps),
        "network_3_partials_onnx_ms": measure(lambda: encoder.embed_partials(mels), reps),
        "network_1_partial_onnx_ms": measure(lambda: encoder.embed_partials(mels[:1]), reps),
        "embed_3s_numpy_ms": measure(lambda: numpy_encoder.embed(clip), few),
        "network_1_partial_numpy_ms": measure(lambda: numpy_encoder.embed_partials(mels[:1]), few),
        "identify_6_profiles_us": measure(lambda: matcher.identify(e, profiles), reps * 10, 1e6),
    }


def _row(label: str, r: dict[str, Any], threshold: float) -> str:
    c = at(r, threshold)
    return (
        f"{label:<32} {r['closed_set_all_voices']:7.1%} {r['eer']:6.1%} {r['eer_threshold']:7.3f} |"
        f" {c['identified']:6.1%} {c['frr']:6.1%} {c['confused']:6.1%} {c['far']:6.1%}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="half the espeak variants, 100 households")
    ap.add_argument("--reps", type=int, default=60, help="repetitions of each timing")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    machine = announce_machine()
    t0 = time.perf_counter()
    distinct, hard = pools(args.quick)
    n_members = sum(1 for v in distinct if v.enrol)
    print(
        f"distinct voices: {len(distinct)} ({n_members} can enrol: {', '.join(v.name for v in distinct if v.enrol)});"
        f" espeak-ng variants: {len(hard)}; synthesis {time.perf_counter() - t0:.0f} s"
    )
    count = 100 if args.quick else 300
    configs = {"rate1.3": EncoderSettings(), "rate0.625": EncoderSettings(rate=0.625)}
    report: dict[str, Any] = {
        "machine": machine,
        "voices": [
            {"name": v.name, "family": v.family, "set": set_name, "enrol": len(v.enrol), "tests": len(v.tests)}
            for set_name, vs in (("distinct", distinct), ("espeak-variants", hard))
            for v in vs
        ],
        "threshold": DEFAULT_THRESHOLD,
        "margin": DEFAULT_MARGIN,
        "results": {},
    }
    print(f"\nat the chosen threshold {DEFAULT_THRESHOLD} and margin {DEFAULT_MARGIN}; 3 s test utterances")
    print(
        f"{'set/config/condition/household':<32} {'closed':>7} {'EER':>6} {'EER thr':>7} | {'ident':>6} {'FRR':>6} {'confus':>6} {'FAR':>6}"
    )
    base = SpeakerEncoder.load()
    for cname, settings in configs.items():
        encoder = SpeakerEncoder(base.weights, settings)
        conditions = (("clean", None, None), ("20dB", SNR_DB, None), ("20dB-enrol20dB", SNR_DB, SNR_DB))
        for cond, snr, enrol_snr in conditions:
            for set_name, voices in (("distinct", distinct), ("espeak", hard)):
                data = embed_all(encoder, voices, snr_db=snr, enrol_snr_db=enrol_snr)
                for size in (4, 6):
                    for margin in (0.0, DEFAULT_MARGIN):
                        r = evaluate(data, size, count, margin)
                        r["embed_ms"] = summary(data.embed_ms)
                        key = f"{set_name}/{cname}/{cond}/house{size}/margin{margin}"
                        report["results"][key] = r
                        if margin == DEFAULT_MARGIN:
                            print(_row(key.rsplit("/", 1)[0], r, DEFAULT_THRESHOLD))
    for set_name in ("distinct", "espeak"):
        print(f"\nthreshold sweep ({set_name}, rate 1.3, households of 4, margin {DEFAULT_MARGIN}):")
        print(
            f"{'thr':>6} {'ident':>7} {'FRR':>7} {'confus':>7} {'FAR':>7}   | 20 dB, enrolled in 20 dB: {'ident':>7} {'FAR':>7}"
        )
        clean = report["results"][f"{set_name}/rate1.3/clean/house4/margin{DEFAULT_MARGIN}"]
        noisy = report["results"][f"{set_name}/rate1.3/20dB-enrol20dB/house4/margin{DEFAULT_MARGIN}"]
        for row in clean["by_threshold"]:
            t = row["threshold"]
            if 0.7 <= t <= 0.95 and (round(t * 1000) % 25 == 0 or abs(t - DEFAULT_THRESHOLD) < 1e-6):
                n = at(noisy, t)
                print(
                    f"{t:6.3f} {row['identified']:7.1%} {row['frr']:7.1%} {row['confused']:7.1%} {row['far']:7.1%}"
                    f"   |                           {n['identified']:7.1%} {n['far']:7.1%}"
                )
    clip = distinct[0].tests[0]
    numpy_encoder = SpeakerEncoder(base.weights, EncoderSettings(backend="numpy"))
    report["timings"] = t = timings(base, numpy_encoder, clip, args.reps)
    print(f"\ncost on this CPU, one 3 s utterance ({t['partials_3s']} partials), one thread: median / p95")
    for key in (
        "embed_3s_onnx_ms",
        "prepare_and_mel_ms",
        "network_3_partials_onnx_ms",
        "network_1_partial_onnx_ms",
        "embed_3s_numpy_ms",
        "network_1_partial_numpy_ms",
        "identify_6_profiles_us",
    ):
        print(f"  {key:<28} {t[key]['median']:8.1f} {t[key]['p95']:8.1f}")
    write_json(args.out, report)


if __name__ == "__main__":
    main()
