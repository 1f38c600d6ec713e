"""Load on one Hark server: N simulated devices talking in overlapping turns.

    .venv/bin/python -m bench.server_load [--quick] [--levels 1,2,5,10,20] [--duration-s 120]
                                          [--out bench/results/server_load.json]

The server (:mod:`bench.load_server`) runs in its own process with the embedded defaults
on a fresh data directory; its CPU comes from ``/proc/<pid>/stat`` and its memory from
``/proc/<pid>/status`` (VmRSS), so the simulated devices' own work is not counted. Devices
are paired through the server (``DeviceRegistry.start_pairing``, then ``POST /api/pair``).

Each device (:mod:`bench.load_devices`) is a ``hark.client`` connection listening hands-free
(``start_stage: wake``): a continuous real-time stream of 32 ms PCM frames, room noise
between requests, and spoken requests "Hey Jarvis, <request>" (voices hibari and Piper
"joe", Hark's own; pink noise at 10 dB SNR; :mod:`bench.corpus` items), about 70 % classic
commands (time, date, timers, lists) and 30 % open questions for the embedded LLM
(:mod:`bench.load_stats`). Devices start at random offsets and pause 2-6 s after each answer.

Phases, on one server:

1. warm-up (one LLM question, one classic command, as text);
2. single device through the server vs the in-process loop (the loop ``bench/latency.py``
   measures, run inside the server process on the same engines and household), same items,
   interleaved: the server's added latency = median of the paired differences of first audio
   (the client's first reply-audio frame vs the in-process sink's first audio);
3. idle: RSS with no session, then ``--idle-devices`` sessions listening for the wake word on
   quiet noise; server CPU over ``--idle-s`` seconds as % of one core, RSS per session;
4. load levels N (``--levels``): each for ``--duration-s`` (no new request after it), then
   until the last answer. Per level: turns/min, end of speech -> first audio median and p95
   for classic commands and LLM questions, errors, per-step medians (endpointing, Whisper,
   brain, TTS, transport: the server's events on the same monotonic clock), the engine
   executors' utilisation and queue waits, server CPU and peak RSS, and the CPU other
   processes took meanwhile (a level is marked BUSY when they took more than 0.25 core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import CATEGORIES, Item, available_voices, make_item
from bench.load_devices import PlannedTurn, SimDevice, TurnRecord, background_level, make_plan
from bench.load_proc import CpuWindow, get_json, pair_devices, proc_rss_mb, server_process
from bench.load_stats import (
    ADDED_LATENCY_TARGET_MS,
    IDLE_CPU_TARGET,
    classic_requests,
    executor_delta,
    level_summary,
    llm_requests,
    print_report,
    saturation,
    table,
)
from bench.metrics import announce_machine, summary, write_json
from hark.client import connect

DEFAULT_OUT = Path("bench/results/server_load.json")
QUICK_OUT = Path("bench/results/server_load_quick.json")
VOICES = ("hibari", "piper")
LLM_SHARE = 0.3


# -- items -----------------------------------------------------------------------------------------------


def corpus_key(item: Item) -> tuple[str, int] | None:
    for category, requests in CATEGORIES.items():
        if item.request in requests:
            return category, requests.index(item.request)
    return None


def build_items(voices: Sequence[str]) -> tuple[list[Item], list[Item]]:
    classic = [make_item(v, r) for r in classic_requests() for v in voices]
    llm = [make_item(v, r, tag=tag) for tag, r in llm_requests() for v in voices]
    return classic, llm


# -- phases ----------------------------------------------------------------------------------------------


async def warm_up(ws: str, token: str) -> list[dict[str, Any]]:
    out = []
    async with await connect(ws, token, client="bench-warmup") as session:
        for text, speak in (("Why is the sky blue?", False), ("What time is it?", True)):
            t0 = time.monotonic()
            result = await session.ask_text(text, speak=speak)  # the LLM's long answer is not played
            out.append({"text": text, "reply": result.reply, "wall_ms": round((time.monotonic() - t0) * 1000, 1)})
    return out


async def single_through_server(ws: str, token: str, item: Item, kind: str) -> dict[str, Any]:
    noise = background_level(item)
    device = SimDevice(0, ws, token, [PlannedTurn(item, kind, 0.0)], noise_rms=noise, seed=1)
    await device.run(start_delay_s=0.3, duration_s=0.3 + item.duration_s + 1.0)
    return device.records[0].describe() if device.records else {"outcome": "missing", "latency_ms": {}}


def _has_split(p: dict[str, Any]) -> bool:
    keys = ("server_first_audio_ms", "server_tts_first_audio_ms", "server_tts_event_rx_ms")
    return all(p.get(k) is not None for k in keys)


async def compare(info: dict[str, Any], token: str, items: Sequence[tuple[Item, str]]) -> dict[str, Any]:
    """The same items through the server and through the in-process loop, interleaved."""
    pairs = []
    for i, (item, kind) in enumerate(items):
        key = corpus_key(item)
        assert key is not None
        runs: dict[str, Any] = {}
        for path in ("server", "inproc") if i % 2 == 0 else ("inproc", "server"):
            if path == "server":
                runs[path] = await single_through_server(info["ws"], token, item, kind)
            else:
                body = {"voice": item.voice, "category": key[0], "index": key[1]}
                runs[path] = await get_json(f"{info['url']}/bench/inproc", "POST", body)
            await asyncio.sleep(1.0)
        s, p = runs["server"]["latency_ms"], runs["inproc"]["latency_ms"]
        pair = {
            "item": item.id,
            "kind": kind,
            "server_first_audio_ms": s.get("first_audio"),
            "server_tts_first_audio_ms": s.get("tts_first_audio"),
            "server_tts_event_rx_ms": s.get("tts_event_rx"),
            "inproc_first_audio_ms": p.get("playback_start", p.get("first_audio")),
            "server_transcript": runs["server"].get("transcript"),
            "inproc_transcript": runs["inproc"].get("transcript"),
        }
        pair["stage_diff_ms"] = {  # server path minus in-process, stage by stage (where the difference arose)
            k: round(s[k] - p[k], 1) for k in ("end_of_turn", "transcript", "first_reply_text") if k in s and k in p
        }
        if "tts_first_audio" in s and "first_audio" in p:
            pair["stage_diff_ms"]["tts_first_audio"] = round(s["tts_first_audio"] - p["first_audio"], 1)
        if pair["server_first_audio_ms"] is not None and pair["inproc_first_audio_ms"] is not None:
            pair["added_ms"] = round(pair["server_first_audio_ms"] - pair["inproc_first_audio_ms"], 1)
        pairs.append(pair)
        print(
            f"  compare {item.id:<16} server {pair['server_first_audio_ms']} ms, in-process "
            f"{pair['inproc_first_audio_ms']} ms, added {pair.get('added_ms')} ms",
            flush=True,
        )
    added = [p["added_ms"] for p in pairs if "added_ms" in p]
    transport = [
        p["server_first_audio_ms"] - p["server_tts_first_audio_ms"]
        for p in pairs
        if p["server_first_audio_ms"] is not None and p["server_tts_first_audio_ms"] is not None
    ]
    return {
        "pairs": pairs,
        "server_first_audio_ms": summary([p["server_first_audio_ms"] for p in pairs if "added_ms" in p]),
        "inproc_first_audio_ms": summary([p["inproc_first_audio_ms"] for p in pairs if "added_ms" in p]),
        "added_ms": summary(added),
        "added_median_ms": round(float(np.median(added)), 1) if added else None,
        "transport_ms": summary(transport),
        "transport_split_ms": {
            # the tts-audio event's own trip (server event time -> this client), then the first audio frame after it
            "event_delivery": summary(
                [p["server_tts_event_rx_ms"] - p["server_tts_first_audio_ms"] for p in pairs if _has_split(p)]
            ),
            "audio_after_event": summary(
                [p["server_first_audio_ms"] - p["server_tts_event_rx_ms"] for p in pairs if _has_split(p)]
            ),
        },
        "target_ms": ADDED_LATENCY_TARGET_MS,
    }


async def idle(info: dict[str, Any], tokens: Sequence[str], seconds: float, noise_rms: float) -> dict[str, Any]:
    pid = info["pid"]
    await asyncio.sleep(1.0)
    window = CpuWindow(pid)
    await asyncio.sleep(min(5.0, seconds))
    none = window.stop()
    rss0 = proc_rss_mb(pid)
    stop = asyncio.Event()
    devices = [SimDevice(i, info["ws"], t, [], noise_rms=noise_rms, seed=100 + i) for i, t in enumerate(tokens)]
    tasks = [asyncio.create_task(d.idle(stop), name=f"idle-{i}") for i, d in enumerate(devices)]
    try:
        await asyncio.wait_for(asyncio.gather(*(d.connected.wait() for d in devices)), 60)
        await asyncio.sleep(min(5.0, seconds / 2))  # settle: every session's wake and VAD state made
        window = CpuWindow(pid)
        await asyncio.sleep(seconds)
        listening = window.stop()
        rss_n = proc_rss_mb(pid)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    wake_events = sum(len(r.events) for d in devices for r in d.records)
    n = len(tokens)
    return {
        "devices": n,
        "seconds": seconds,
        "noise_rms": noise_rms,
        "no_session": none,
        "listening": listening,
        "server_cpu_pct_of_one_core": round(listening["server_cpu_cores"] * 100, 1),
        "no_session_cpu_pct_of_one_core": round(none["server_cpu_cores"] * 100, 1),
        "target_pct": IDLE_CPU_TARGET * 100,
        "rss_mb_no_session": round(rss0, 1),
        "rss_mb_listening": round(rss_n, 1),
        "rss_mb_per_session": round((rss_n - rss0) / n, 2) if n else None,
        "unexpected_events": wake_events,
        "client_errors": [e for d in devices for e in d.errors],
    }


async def level(
    info: dict[str, Any],
    tokens: Sequence[str],
    n: int,
    classic: Sequence[Item],
    llm: Sequence[Item],
    *,
    duration_s: float,
    seed: int,
) -> dict[str, Any]:
    pid = info["pid"]
    await get_json(f"{info['url']}/bench/reset", "POST")
    rng = random.Random(seed)
    stats0 = (await get_json(f"{info['url']}/bench/stats"))["executors"]
    window = CpuWindow(pid)
    devices = []
    for i in range(n):
        plan = make_plan(classic, llm, turns=60, llm_share=LLM_SHARE, rng=rng)
        devices.append(
            SimDevice(i, info["ws"], tokens[i], plan, noise_rms=background_level(plan[0].item), seed=seed + i)
        )
    rss_peak = proc_rss_mb(pid)
    done = asyncio.Event()

    async def sample_rss() -> None:
        nonlocal rss_peak
        while not done.is_set():
            rss_peak = max(rss_peak, proc_rss_mb(pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 1.0)

    sampler = asyncio.create_task(sample_rss(), name="rss-sampler")
    offsets = [rng.uniform(0.5, min(10.0, 1.0 + 2.0 * n)) for _ in range(n)]
    try:
        results = await asyncio.gather(
            *(d.run(start_delay_s=o, duration_s=duration_s) for d, o in zip(devices, offsets, strict=True)),
            return_exceptions=True,
        )
    finally:
        done.set()
        await sampler
    cpu = window.stop()
    stats1 = (await get_json(f"{info['url']}/bench/stats"))["executors"]
    records: list[TurnRecord] = [r for d in devices for r in d.records]
    described = [r.describe() for r in records]
    wall = cpu["wall_s"]
    return {
        "n": n,
        "duration_s": duration_s,
        "start_offsets_s": [round(o, 2) for o in offsets],
        "summary": level_summary(described, wall),
        "executors": executor_delta(stats0, stats1, wall),
        "server_cpu_cores": cpu["server_cpu_cores"],
        "server_rss_mb_max": round(rss_peak, 1),
        "busy": cpu["busy"],
        "cpu": cpu,
        "device_errors": [f"device {d.index}: {e}" for d in devices for e in d.errors]
        + [f"device {i}: {r!r}" for i, r in enumerate(results) if isinstance(r, BaseException)],
        "max_send_lateness_ms": round(max((d.max_send_lateness_s for d in devices), default=0.0) * 1000, 1),
        "records": described,
    }


# -- main ---------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, voices: Sequence[str]) -> dict[str, Any]:
    classic, llm = build_items(voices)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    needed = max([*levels, args.idle_devices, 1])
    phases: dict[str, float] = {}
    report: dict[str, Any] = {"items": {"classic": len(classic), "llm": len(llm)}, "phase_wall_s": phases}
    t_phase = time.monotonic()
    log_path = Path(tempfile.gettempdir()) / "hark-server-load.log"
    with server_process(log_path) as info:
        report["server"] = {k: v for k, v in info.items() if k not in ("url", "ws")}
        print(f"server pid {info['pid']} on {info['url']}; engines {info['load_seconds']}", flush=True)
        tokens = await pair_devices(info["url"], needed)
        report["warmup"] = await warm_up(info["ws"], tokens[0])
        rng = random.Random(7)
        n_llm = args.compare_items // 3  # an LLM item waits for its whole spoken answer, twice
        picks = [(it, "classic") for it in rng.sample(classic, args.compare_items - n_llm)]
        picks += [(it, "llm") for it in rng.sample([i for i in llm if corpus_key(i)], n_llm)]
        rng.shuffle(picks)
        print(f"single device: server vs in-process, {len(picks)} items interleaved", flush=True)
        phases["start_pair_warm"] = round(time.monotonic() - t_phase, 1)
        t_phase = time.monotonic()
        report["single_device"] = await compare(info, tokens[0], picks)
        phases["single_device"] = round(time.monotonic() - t_phase, 1)
        t_phase = time.monotonic()
        print(f"idle: {args.idle_devices} sessions listening for {args.idle_s:g} s", flush=True)
        report["idle"] = await idle(info, tokens[: args.idle_devices], args.idle_s, args.idle_noise_rms)
        phases["idle"] = round(time.monotonic() - t_phase, 1)
        report["levels"] = []
        for n in levels:
            t_phase = time.monotonic()
            print(f"level N={n}: {args.duration_s:g} s (load average {os.getloadavg()[0]:.2f})", flush=True)
            lv = await level(info, tokens, n, classic, llm, duration_s=args.duration_s, seed=1000 + n)
            report["levels"].append(lv)
            phases[f"level_{n}"] = round(time.monotonic() - t_phase, 1)
            for line in table([lv])[1:]:
                print(line, flush=True)
            write_json(args.out, report, say=False)  # partial results survive
        report["saturation"] = saturation(report["levels"])
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.server_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="N=1,2, 20 s each, 10 s idle, 2 compared items")
    p.add_argument("--levels", default=None, help="device counts (default 1,2,5,10,20)")
    p.add_argument("--duration-s", type=float, default=None, help="seconds of talking per level (default 120)")
    p.add_argument("--idle-devices", type=int, default=20)
    p.add_argument("--idle-s", type=float, default=None, help="idle CPU window (default 30)")
    p.add_argument("--idle-noise-rms", type=float, default=30.0, help="room noise while idle (int16 RMS)")
    p.add_argument("--compare-items", type=int, default=None, help="items for server vs in-process (default 9)")
    p.add_argument("--voices", default=",".join(VOICES))
    p.add_argument("--out", type=Path, default=None, help=f"default {DEFAULT_OUT} ({QUICK_OUT} with --quick)")
    args = p.parse_args(argv)
    args.out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    args.levels = args.levels or ("1,2" if args.quick else "1,2,5,10,20")
    args.duration_s = args.duration_s or (20.0 if args.quick else 120.0)
    args.idle_s = args.idle_s or (10.0 if args.quick else 30.0)
    args.compare_items = args.compare_items or (2 if args.quick else 9)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = announce_machine()
    voices = available_voices([v for v in args.voices.split(",") if v])
    if not voices:
        print("no voice available", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    body = asyncio.run(run(args, voices))
    report = {
        "benchmark": "server_load",
        "mode": "quick" if args.quick else "full",
        "machine": {**machine, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "voices": list(voices),
        "llm_share": LLM_SHARE,
        "start_stage": "wake",
        "frame_ms": 32,
        "wall_s": round(time.perf_counter() - t0, 1),
        **body,
    }
    print_report(report)
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
