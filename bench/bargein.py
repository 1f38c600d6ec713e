"""Barge-in benchmark: how fast does a reply stop when the user talks over it?

Each item is "Hey Jarvis, <first request>", then, while the answer plays, a second
voice asks "What time is it?". Two kinds of first request:

* ``classic``: "What day is it tomorrow?" (the household's clock skill, ~3 s of reply);
* ``llm``: "Why is the sky blue?" (the embedded LLM answers; it is still writing
  when the user interrupts, so the model competes for the CPU while the loop listens).

The file is played in real time through the real pipeline and the brain users run
(:mod:`bench.household_brain`: ``Household.open`` on a temporary data directory, the
device wired by ``hark.session.open_device_session``, classic intents then the embedded LLM,
loaded and warm) into a sink that consumes audio at speaker pace. Measured from the
ground-truth onset of the interrupting speech (found on the clean signal): the
barge-in decision (``barge-in`` event), the moment playback stopped
(``playback-end``), and, for LLM replies, the moment the model's stream ended. Also
checked: the interrupting request is heard without the wake word and answered by the
clock skill. The CPU model and its llama.cpp-relevant flags are recorded.

    .venv/bin/python -m bench.bargein [--quick] [--kinds classic,llm] [--out bench/results/bargein.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import cached_speech
from bench.household_brain import BenchHome, SpeakerSink, guarded, model_calls, model_wrote, open_home
from bench.metrics import announce_machine, busy_warning, cpu_line, llama_system_info
from bench.voices import add_noise, pink_noise, silence
from hark.audio import array_source
from hark.audio.chunk import AudioChunk
from hark.config import load_settings
from hark.engines import load_engines
from hark.events import BargeIn, BrainAction, BrainText, PlaybackEnd, PlaybackStart

FIRST_REQUESTS = {"classic": "What day is it tomorrow?", "llm": "Why is the sky blue?"}
SECOND_REQUEST = "What time is it?"
SECOND_ACTION = "time_now"
ITEM_TIMEOUT_S = 45.0
"""An item still running this long after its audio ended is reported as hung, cancelled, and the run goes on
(an LLM answer that is not interrupted plays in full at speaker pace: 120 tokens are ~30 s)."""


def onset(samples: np.ndarray, threshold: float = 0.02) -> float:
    x = np.abs(samples.astype(np.float32) / 32768.0)
    frames = x[: len(x) // 160 * 160].reshape(-1, 160).max(axis=1)
    idx = int(np.argmax(frames > threshold))
    return idx * 160 / 16000


def make_items(quick: bool, kinds: list[str]) -> list[dict[str, Any]]:
    pairs = [("hibari", "piper"), ("piper", "hibari")]
    gaps = [1.3] if quick else [1.0, 1.3, 1.6, 2.0]
    items: list[dict[str, Any]] = []
    for kind in kinds:
        for first, second in pairs:
            for gap in gaps:
                a = cached_speech(first, f"Hey Jarvis, {FIRST_REQUESTS[kind]}")
                b = cached_speech(second, SECOND_REQUEST)
                head = np.concatenate([silence(0.8), a, silence(gap)])
                clean = np.concatenate([head, b, silence(3.0)])
                noisy = add_noise(clean, 10.0, pink_noise(len(clean), seed=len(items)))
                items.append(
                    {
                        "kind": kind,
                        "voices": f"{first}->{second}",
                        "gap_s": gap,
                        "samples": noisy,
                        "onset_s": len(head) / 16000 + onset(b),
                    }
                )
    return items


async def run_item(home: BenchHome, item: dict[str, Any]) -> dict[str, Any]:
    await home.reset()
    start: list[float] = []

    async def source() -> AsyncIterator[AudioChunk]:
        async for chunk in array_source(item["samples"], realtime=True):
            if not start:
                start.append(chunk.t - chunk.audio_t)
            yield chunk

    timeout_s = len(item["samples"]) / 16000 + ITEM_TIMEOUT_S
    got, hung_s = await guarded(home.assistant.listen(source(), SpeakerSink(), max_turns=2), timeout_s)
    results = got or []
    calls = home.recorder.take() if home.recorder is not None else []
    out: dict[str, Any] = {
        "kind": item["kind"],
        "voices": item["voices"],
        "gap_s": item["gap_s"],
        "turns": len(results),
    }
    if hung_s is not None:
        out["hung_s"] = hung_s
        out["first_model_wrote"] = model_wrote(calls)
        return out
    if not results:
        return out
    first = results[0]
    truth = start[0] + float(item["onset_s"])
    barge = first.trace.first(BargeIn)
    end = first.trace.first(PlaybackEnd)
    began = first.trace.first(PlaybackStart)
    # an interrupted turn has no reply object: what it said and who said it come from its events
    acted = [e.name for e in first.trace.events if isinstance(e, BrainAction)]
    said = "".join(e.text for e in first.trace.events if isinstance(e, BrainText))
    llm = [c for c in calls if c.started < truth]
    out["first_brain"] = first.reply.brain if first.reply else "generative" if llm else "classic" if acted else None
    out["first_actions"] = acted
    out["first_reply"] = first.reply.text if first.reply else said
    out["first_transcript"] = first.transcript
    out["playback_began_before_onset"] = isinstance(began, PlaybackStart) and began.t < truth
    if isinstance(barge, BargeIn):
        out["barge_in_ms"] = (barge.t - truth) * 1000
    if isinstance(end, PlaybackEnd) and end.interrupted:
        out["playback_stopped_ms"] = (end.t - truth) * 1000
        out["seconds_played"] = round(end.seconds_played, 2)
    out["first_model_wrote"] = model_wrote(llm)
    if llm:
        out["model_calls"] = model_calls(llm, truth)
        last = llm[-1]
        if last.ended is not None and last.ended >= truth:
            out["llm_stopped_ms"] = (last.ended - truth) * 1000  # still writing at the onset: when it stopped
    if len(results) > 1:
        second = results[1]
        out["second_transcript"] = second.transcript
        out["second_brain"] = second.reply.brain if second.reply else None
        out["second_intent"] = second.reply.intent if second.reply else None
        out["second_reply"] = second.reply.text if second.reply else None
        out["second_answered"] = bool(
            second.reply
            and second.reply.brain == "classic"
            and any(a.name == SECOND_ACTION for a in second.reply.actions)
        )
        out["second_without_wake_word"] = second.wake is None
    return out


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    v = sorted(values)
    p95 = v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
    return {"n": len(v), "median": statistics.median(v), "p95": p95, "min": v[0], "max": v[-1]}


def _count(names: list[str]) -> dict[str, int]:
    return {name: names.count(name) for name in sorted(set(names))}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "barge_in_ms": stats([r["barge_in_ms"] for r in rows if "barge_in_ms" in r]),
        "playback_stopped_ms": stats([r["playback_stopped_ms"] for r in rows if "playback_stopped_ms" in r]),
        "llm_stopped_ms": stats([r["llm_stopped_ms"] for r in rows if "llm_stopped_ms" in r]),
        "interrupted": sum("playback_stopped_ms" in r for r in rows),
        "hung": sum("hung_s" in r for r in rows),
        "first_reply_by_model": sum(bool(r.get("first_model_wrote")) for r in rows),
        "second_request_answered": sum(bool(r.get("second_answered")) for r in rows),
        "second_without_wake_word": sum(bool(r.get("second_without_wake_word")) for r in rows),
        "first_answered_by": _count(["hung" if "hung_s" in r else str(r.get("first_brain")) for r in rows]),
        "items": len(rows),
    }


def write_report(out: Path, report: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return out


def print_summary(summary: dict[str, Any], machine: dict[str, Any]) -> None:
    print()
    print(cpu_line(machine["cpu"]))
    print(f"load average {machine['loadavg_1_5_15']} at start, {machine['loadavg_at_end']} at end")
    print("speech onset -> barge-in decision, -> playback stopped, -> LLM stream ended (ms):")
    for group, s in summary.items():
        print(f"  {group}:")
        for key in ("barge_in_ms", "playback_stopped_ms", "llm_stopped_ms"):
            st = s[key]
            if st:
                print(f"    {key:<22} median {st['median']:7.1f}  p95 {st['p95']:7.1f}  (n={st['n']})")
        n = s["items"]
        print(
            f"    interrupted {s['interrupted']}/{n}, second request answered {s['second_request_answered']}/{n} "
            f"({s['second_without_wake_word']}/{n} without the wake word); first reply by {s['first_answered_by']}, "
            f"model wrote {s['first_reply_by_model']}/{n}"
        )
        if s["hung"]:
            print(
                f"    HUNG: {s['hung']}/{n} items never finished (the loop stopped answering); cancelled after the timeout"
            )


async def run(args: argparse.Namespace, kinds: list[str]) -> dict[str, Any]:
    settings = load_settings()
    engines = await load_engines(settings)
    items = make_items(args.quick, kinds)
    rows = []
    async with open_home(settings, engines, name="bargein", model_path=args.llm_model_path) as home:
        for item in items:
            row = await run_item(home, item)
            rows.append(row)
            shown: dict[str, Any] = {
                k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items() if k != "model_calls"
            }
            if isinstance(reply := shown.get("first_reply"), str):
                shown["first_reply"] = reply[:60]
            print(shown, flush=True)
        model, open_s, warm, ready = home.model, home.open_s, home.warm, home.llm_ready
    summary = {kind: summarise([r for r in rows if r["kind"] == kind]) for kind in kinds}
    summary["all"] = summarise(rows)
    return {
        "brain": "household",
        "llm": {"backend": "embedded", "model": model, "threads": settings.llm.threads, "ready": ready},
        "household_open_s": round(open_s, 3),
        "llm_warm_question": warm,
        "summary": summary,
        "items": rows,
    }


async def amain() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one gap per voice pair and kind (4 items) instead of 16")
    ap.add_argument("--kinds", default=",".join(FIRST_REQUESTS), help=f"default {','.join(FIRST_REQUESTS)}")
    ap.add_argument("--llm-model-path", default=None, help="a GGUF for the embedded LLM (default: the settings')")
    ap.add_argument("--out", default="bench/results/bargein.json")
    args = ap.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if unknown := [k for k in kinds if k not in FIRST_REQUESTS]:
        print(f"unknown kinds {unknown} (known: {', '.join(FIRST_REQUESTS)})", file=sys.stderr)
        return 2
    machine = announce_machine()
    t0 = time.perf_counter()
    body = await run(args, kinds)
    machine["cpu"]["llama_cpp"] = llama_system_info()  # type: ignore[index]  # the CPU backend is loaded now
    machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    machine["cpu_load_note"] = busy_warning(machine) or "load average below a quarter of the cores at start"
    report = {
        "benchmark": "bargein",
        "mode": "quick" if args.quick else "full",
        "cpu_model": machine["cpu"]["model"],  # type: ignore[index]
        "machine": machine,
        "wall_s": round(time.perf_counter() - t0, 1),
        **body,
    }
    print_summary(body["summary"], machine)
    if body["llm"]["ready"] is False:
        print("WARNING: the LLM did not answer the warm-up question: the llm items did not measure the LLM")
    out = write_report(Path(args.out), report)
    print(f"written {out}")
    return 0


def main() -> int:
    return asyncio.run(amain())


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
