"""Does batching Whisper's final decodes across sessions pay on this machine?

When several sessions end their turns at the same moment, their final decodes either
queue on the speech engine's executor (one decode at a time, each on ``stt.threads``
threads) or go to CTranslate2 as one batch (``generate`` over a batch of mel windows,
padded to the longest). For 1, 2 and 4 requests of 2-3 s of real speech arriving
together, this measures each request's latency (arrival to transcript) both ways and
checks that the batch gives the same words.

    .venv/bin/python -m bench.stt_batching [--rounds 7]

Prints median/p95 per request and writes ``bench/results/stt_batching.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from hark.audio import read_wav, to_float
from hark.audio.chunk import SAMPLE_RATE
from hark.config import Settings
from hark.engines.registry import make_stt
from hark.engines.stt_whisper import WhisperStt

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).parent.parent / "tests" / "data"
CLIPS = ("date_request.wav", "unknown_request.wav", "asr_flite_rms_timer.wav", "asr_flite_slt_shopping.wav")


def speech(name: str, seconds: float = 3.0) -> np.ndarray:
    """The clip's voiced part (energy-trimmed), at most ``seconds`` long."""
    samples, rate = read_wav(DATA / name)
    assert rate == SAMPLE_RATE
    x = to_float(samples)
    frames = np.abs(x[: len(x) // 160 * 160]).reshape(-1, 160).mean(axis=1)
    voiced = np.flatnonzero(frames > 0.02)
    start = max(0, voiced[0] * 160 - 1600) if len(voiced) else 0
    return x[start : start + int(seconds * SAMPLE_RATE)]


def transcribe_batch(stt: WhisperStt, audios: list[np.ndarray]) -> list[str]:
    """One CTranslate2 call for all of ``audios`` (the plain path of :meth:`WhisperStt.transcribe`)."""
    import ctranslate2

    window = max(stt.window_seconds(len(a)) for a in audios)
    mels = []
    for a in audios:
        padded = np.zeros(window * SAMPLE_RATE, np.float32)
        padded[: len(a)] = a[: window * SAMPLE_RATE]
        mels.append(stt._features(padded, padding=0)[:, : window * 100])
    features = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(mels), dtype=np.float32))
    results = stt._model.model.generate(
        features,
        [stt._prompt] * len(audios),
        beam_size=stt.beam_size,
        max_length=len(stt._prompt) + stt._budget(window),
        suppress_blank=True,
        suppress_tokens=stt._suppress,
    )
    return [stt._text(list(r.sequences_ids[0]), len(a) / SAMPLE_RATE) for r, a in zip(results, audios, strict=True)]


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    settings = Settings()
    stt = make_stt(settings)
    assert isinstance(stt, WhisperStt)
    clips = [speech(name, 2.0 + 0.3 * i) for i, name in enumerate(CLIPS)]
    stt.transcribe(clips[0])  # warm up
    transcribe_batch(stt, clips[:2])
    rows = []
    for n in (1, 2, 4):
        audios = clips[:n]
        seq: list[float] = []
        bat: list[float] = []
        same = True
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            texts = []
            for a in audios:  # queued on a one-worker executor: each waits for those before it
                ids = stt._generate(_features(stt, a), stt.window_seconds(len(a)), stt.beam_size)[0][0]
                texts.append(stt._text(ids, len(a) / SAMPLE_RATE))
                seq.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            batch = transcribe_batch(stt, audios)
            bat += [time.perf_counter() - t0] * n
            same = same and batch == texts
        row = {
            "requests": n,
            "audio_s": [round(len(a) / SAMPLE_RATE, 2) for a in audios],
            "sequential_median_s": statistics.median(seq),
            "sequential_p95_s": pct(seq, 0.95),
            "batch_median_s": statistics.median(bat),
            "batch_p95_s": pct(bat, 0.95),
            "same_text": same,
            "texts": texts,
        }
        rows.append(row)
        print(
            f"n={n}: sequential median {row['sequential_median_s'] * 1000:6.0f} ms"
            f"  p95 {row['sequential_p95_s'] * 1000:6.0f} | batch median {row['batch_median_s'] * 1000:6.0f} ms  p95 {row['batch_p95_s'] * 1000:6.0f}"
            f" | same words: {same}"
        )
    out = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "stt_threads": settings.stt.threads,
        "rounds": args.rounds,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "stt_batching.json").write_text(json.dumps(out, indent=2) + "\n")


def _features(stt: WhisperStt, audio: np.ndarray) -> object:
    import ctranslate2

    window = stt.window_seconds(len(audio))
    padded = np.zeros(window * SAMPLE_RATE, np.float32)
    padded[: len(audio)] = audio[: window * SAMPLE_RATE]
    mel = stt._features(padded, padding=0)[:, : window * 100]
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))


if __name__ == "__main__":
    main()
