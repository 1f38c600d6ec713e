"""Barge-in benchmark: how fast does a reply stop when the user talks over it?

Each item is "Hey Jarvis, what day is it tomorrow?" (a reply of ~3 s), then,
while the answer plays, a second voice asks "What time is it?". The file is
played in real time through the real pipeline into a sink that consumes audio
at speaker pace. Measured from the ground-truth onset of the interrupting
speech (found on the clean signal): the barge-in decision (``barge-in``
event) and the moment playback stopped (``playback-end``). Also checked: the
interrupting request is heard and answered without the wake word.

    .venv/bin/python -m bench.bargein [--quick] [--out bench/results/bargein.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from bench.voices import VOICES, add_noise, pink_noise, silence
from hark.audio import NullSink, array_source
from hark.audio.chunk import AudioChunk
from hark.brain import default_brain
from hark.config import load_settings
from hark.engines import load_engines
from hark.events import BargeIn, PlaybackEnd
from hark.pipeline import Assistant


class PacedSink(NullSink):
    """Consumes audio at speaker pace in 40 ms blocks (a speaker without a sound card)."""

    async def _write(self, chunk: AudioChunk) -> None:
        left = chunk.seconds
        while left > 0:
            step = min(0.04, left)
            await asyncio.sleep(step)
            self.position += step
            left -= step


def onset(samples: np.ndarray, threshold: float = 0.02) -> float:
    x = np.abs(samples.astype(np.float32) / 32768.0)
    frames = x[: len(x) // 160 * 160].reshape(-1, 160).max(axis=1)
    idx = int(np.argmax(frames > threshold))
    return idx * 160 / 16000


def make_items(quick: bool) -> list[dict[str, object]]:
    pairs = [("hibari", "piper"), ("piper", "hibari")]
    gaps = [1.2, 1.6] if quick else [1.0, 1.3, 1.6, 2.0]
    items = []
    for first, second in pairs:
        for gap in gaps:
            a = VOICES[first]("Hey Jarvis, what day is it tomorrow?")
            b = VOICES[second]("What time is it?")
            head = np.concatenate([silence(0.8), a, silence(gap)])
            clean = np.concatenate([head, b, silence(3.0)])
            noisy = add_noise(clean, 10.0, pink_noise(len(clean), seed=len(items)))
            items.append(
                {
                    "voices": f"{first}->{second}",
                    "gap_s": gap,
                    "samples": noisy,
                    "onset_s": len(head) / 16000 + onset(b),
                }
            )
    return items


async def run_item(assistant: Assistant, item: dict[str, object]) -> dict[str, object]:
    start: list[float] = []

    async def source() -> AsyncIterator[AudioChunk]:
        async for chunk in array_source(item["samples"], realtime=True):  # type: ignore[arg-type]
            if not start:
                start.append(chunk.t - chunk.audio_t)
            yield chunk

    results = await assistant.listen(source(), PacedSink(), max_turns=2)
    out: dict[str, object] = {"voices": item["voices"], "gap_s": item["gap_s"], "turns": len(results)}
    if not results:
        return out
    barge = results[0].trace.first(BargeIn)
    end = results[0].trace.first(PlaybackEnd)
    truth = start[0] + float(item["onset_s"])  # type: ignore[arg-type]
    if isinstance(barge, BargeIn):
        out["barge_in_ms"] = (barge.t - truth) * 1000
    if isinstance(end, PlaybackEnd) and end.interrupted:
        out["playback_stopped_ms"] = (end.t - truth) * 1000
    if len(results) > 1:
        out["second_transcript"] = results[1].transcript
        out["second_intent"] = results[1].reply.intent if results[1].reply else None
    return out


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    v = sorted(values)
    p95 = v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
    return {"n": len(v), "median": statistics.median(v), "p95": p95, "min": v[0], "max": v[-1]}


def write_report(out: Path, report: dict[str, object]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="bench/results/bargein.json")
    args = ap.parse_args()
    settings = load_settings()
    engines = await load_engines(settings)
    assistant = Assistant(settings, engines, default_brain())
    items = make_items(args.quick)
    rows = []
    for item in items:
        row = await run_item(assistant, item)
        rows.append(row)
        print({k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    summary = {
        "barge_in_ms": stats([r["barge_in_ms"] for r in rows if "barge_in_ms" in r]),  # type: ignore[misc]
        "playback_stopped_ms": stats([r["playback_stopped_ms"] for r in rows if "playback_stopped_ms" in r]),  # type: ignore[misc]
        "interrupted": sum("playback_stopped_ms" in r for r in rows),
        "second_request_answered": sum(r.get("second_intent") == "GetTime" for r in rows),
        "items": len(rows),
    }
    print("\nspeech onset -> barge-in decision, -> playback stopped (ms):")
    for key in ("barge_in_ms", "playback_stopped_ms"):
        s = summary[key]
        if s:
            print(f"  {key:<22} median {s['median']:7.1f}  p95 {s['p95']:7.1f}  (n={s['n']})")  # type: ignore[index]
    print(
        f"  interrupted {summary['interrupted']}/{len(rows)}, second request answered "
        f"{summary['second_request_answered']}/{len(rows)}"
    )
    report = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        },
        "summary": summary,
        "items": rows,
    }
    out = write_report(Path(args.out), report)
    print(f"written {out}")


if __name__ == "__main__":
    asyncio.run(main())
