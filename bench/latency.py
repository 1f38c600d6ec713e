"""End-to-end latency of Hark's voice loop, measured from the true end of speech.

    .venv/bin/python -m bench.latency [--quick] [--out bench/results/latency.json]

What is measured
----------------
Each corpus item (see :mod:`bench.corpus`: "Hey Jarvis, <time or date
question>", several voices, pink noise at 10 dB SNR) is played in real time
through ``Assistant.listen`` with a :class:`~hark.audio.sinks.NullSink`, one
turn per item, with the engines the settings name (loaded once). The first
chunk's ``t - audio_t`` is the monotonic time at which the recording "started",
so the ground-truth end of speech is ``start + speech_end_s``, and every stage
mark of the turn's trace is reported in milliseconds after it:

* ``end_of_turn``      ``VadEnd.t``: the loop decided the user had finished;
* ``transcript``       ``SttEnd.t``: final transcript ready;
* ``first_reply_text`` first ``BrainText.t``;
* ``first_audio``      ``TtsAudio`` index 0: the first reply segment is synthesised;
* ``playback_start``   ``PlaybackStart.t``: the sink got the first audio;
* ``vad_speech_end``   ``VadEnd.speech_end_t``: where the VAD placed the end of
  speech (positive: later than the truth).

Per item it also records whether the wake word fired, the transcript and its
WER against the request (see :mod:`bench.metrics`), the intent (GetTime vs
GetDate, and the day offset), whether the transcript came from the
speculative decode, the end-of-turn reason, how late audio chunks reached the
listen loop (a loop stalled by an awaited call or a busy CPU shows here), the
process CPU time per item, and the wall time of every engine call (Whisper
decode, Smart Turn inference, TTS synthesis) placed on the same time axis, so a
slow stage can be traced to the call that made it slow.

Aggregates: per stage and voice, n / median / p95 / mean / min / max in ms;
detection rate, mean WER, match and intent accuracy; engine load times;
process CPU seconds per wall second over the measured run. A warm-up item is
run first and reported apart (``--no-warmup`` to skip it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from bench.corpus import REQUESTS, Item, available_voices, build_corpus, make_item
from bench.metrics import MATCH_WER, CpuMeter, busy_warning, format_row, machine_info, summary, table_header, wer
from hark.audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from hark.audio.sinks import NullSink
from hark.audio.sources import array_source
from hark.brain import default_brain
from hark.config import Settings, load_settings
from hark.engines.registry import Engines, load_engines
from hark.events import (
    BrainEnd,
    BrainText,
    ErrorEvent,
    Event,
    PlaybackStart,
    SttEnd,
    SttPartial,
    TtsAudio,
    VadEnd,
    WakeEnd,
)
from hark.pipeline.assistant import Assistant, TurnResult

DEFAULT_OUT = Path("bench/results/latency.json")
DEFAULT_VOICES = ("hibari", "piper", "espeak-us", "espeak-gb")
QUICK_ITEMS = 8
STAGES = ("end_of_turn", "transcript", "first_reply_text", "first_audio", "playback_start", "vad_speech_end")
STEPS = {
    "eot->transcript": ("end_of_turn", "transcript"),
    "transcript->reply_text": ("transcript", "first_reply_text"),
    "reply_text->audio": ("first_reply_text", "first_audio"),
    "audio->playback": ("first_audio", "playback_start"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class EngineCall:
    engine: str
    start: float
    end: float
    audio_s: float | None


class CallLog:
    """Times every Whisper decode, Smart Turn inference and TTS synthesis (wall clock, monotonic).

    The engines are wrapped, not changed: each wrapper forwards every attribute
    to the engine and only times the one method the pipeline calls.
    """

    METHODS: ClassVar[dict[str, str]] = {"stt": "transcribe", "turn": "probability_complete", "tts": "synthesize"}

    def __init__(self) -> None:
        self.calls: list[EngineCall] = []

    def wrap(self, engines: Engines) -> None:
        for field, method in self.METHODS.items():
            engine = getattr(engines, field)
            if engine is not None:
                setattr(engines, field, _Timed(engine, method, field, self.calls))

    def take(self) -> list[EngineCall]:
        calls, self.calls[:] = list(self.calls), []
        return calls


class _Timed:
    def __init__(self, inner: Any, method: str, tag: str, log: list[EngineCall]) -> None:
        self._inner = inner
        target = getattr(inner, method)

        def timed(arg: Any) -> Any:
            t0 = time.monotonic()
            try:
                return target(arg)
            finally:
                audio_s = len(arg) / SAMPLE_RATE if isinstance(arg, np.ndarray) else None
                log.append(EngineCall(tag, t0, time.monotonic(), audio_s))

        setattr(self, method, timed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedSource:
    """Real-time ``array_source`` that notes when the recording started and how late chunks arrive."""

    def __init__(self, samples: Int16Array) -> None:
        self.samples = samples
        self.start: float | None = None
        self.lateness_ms: list[float] = []

    async def stream(self) -> AsyncIterator[AudioChunk]:
        async with contextlib.aclosing(array_source(self.samples, realtime=True)) as chunks:
            async for chunk in chunks:
                if self.start is None:
                    self.start = chunk.t - chunk.audio_t
                due = chunk.t + len(chunk.samples) / SAMPLE_RATE
                self.lateness_ms.append((time.monotonic() - due) * 1000)
                yield chunk


# -- one item -----------------------------------------------------------------------------------


async def run_item(assistant: Assistant, item: Item, log: CallLog) -> dict[str, Any]:
    source = TimedSource(item.samples)
    log.take()
    stream = source.stream()
    meter = CpuMeter().start()
    try:
        results = await assistant.listen(stream, NullSink(), max_turns=1)
    finally:
        await stream.aclose()
    cpu = meter.stop()
    assert source.start is not None
    record = measure(item, source.start, results[0] if results else None)
    record["turns"] = len(results)
    truth_end = source.start + item.speech_end_s
    record["engine_calls"] = [
        {
            "engine": c.engine,
            "start_ms": round((c.start - truth_end) * 1000, 1),
            "wall_ms": round((c.end - c.start) * 1000, 1),
            "audio_s": round(c.audio_s, 3) if c.audio_s is not None else None,
        }
        for c in log.take()
    ]
    record["cpu"] = {
        "process_cpu_s": cpu["process_cpu_s"],
        "wall_s": cpu["wall_s"],
        "cpu_per_wall": cpu["cpu_per_wall"],
    }
    late = np.asarray(source.lateness_ms)
    record["chunk_lateness_ms"] = {"median": round(float(np.median(late)), 2), "max": round(float(late.max()), 2)}
    return record


def _first(events: Sequence[Event], cls: type[Event]) -> Any:
    return next((e for e in events if isinstance(e, cls)), None)


def stage_times_ms(events: Sequence[Event], truth_end: float) -> dict[str, float]:
    """Each stage mark of a turn, in ms after the ground-truth end of speech."""
    vad_end: VadEnd | None = _first(events, VadEnd)
    first_audio = next((e for e in events if isinstance(e, TtsAudio) and e.index == 0), None)
    marks: dict[str, float | None] = {
        "end_of_turn": vad_end.t if vad_end else None,
        "transcript": getattr(_first(events, SttEnd), "t", None),
        "first_reply_text": getattr(_first(events, BrainText), "t", None),
        "first_audio": first_audio.t if first_audio else None,
        "playback_start": getattr(_first(events, PlaybackStart), "t", None),
        "vad_speech_end": vad_end.speech_end_t if vad_end else None,
    }
    return {k: round((v - truth_end) * 1000, 1) for k, v in marks.items() if v is not None}


def measure(item: Item, start: float, result: TurnResult | None) -> dict[str, Any]:
    """Everything the benchmark records about one item's turn."""
    record: dict[str, Any] = item.describe()
    events = result.trace.events if result is not None else []
    wake: WakeEnd | None = _first(events, WakeEnd)
    vad_end: VadEnd | None = _first(events, VadEnd)
    stt: SttEnd | None = _first(events, SttEnd)
    brain: BrainEnd | None = _first(events, BrainEnd)
    transcript = stt.text if stt else None
    item_wer = wer(item.request.text, transcript) if transcript is not None else None
    offset = result.reply.slots.get("offset_days") if result is not None and result.reply is not None else None
    record.update(
        wake_detected=wake is not None,
        wake_audio_t=round(wake.audio_t, 3) if wake else None,
        transcript=transcript,
        wer=round(item_wer, 3) if item_wer is not None else None,
        transcript_match=item_wer is not None and item_wer <= MATCH_WER,
        intent=brain.intent if brain else None,
        intent_ok=brain is not None and brain.intent == item.request.intent,
        offset_days=offset,
        answer_ok=brain is not None and brain.intent == item.request.intent and offset == item.request.offset_days,
        reply=brain.text if brain else None,
        speculative_hit=stt.speculative_hit if stt else None,
        end_reason=vad_end.reason if vad_end else None,
        turn_probability=vad_end.turn_probability if vad_end else None,
        vad_speech_end_audio_error_ms=round((vad_end.speech_end_audio_t - item.speech_end_s) * 1000, 1)
        if vad_end
        else None,
        partials=sum(isinstance(e, SttPartial) for e in events),
        errors=[f"{e.code}: {e.message}" for e in events if isinstance(e, ErrorEvent)],
        latency_ms=stage_times_ms(events, start + item.speech_end_s),
        pipeline_timings_ms=result.trace.timings_ms() if result is not None else {},
    )
    return record


# -- aggregation -----------------------------------------------------------------------------------


def stage_values(records: Sequence[dict[str, Any]], stage: str) -> list[float]:
    if stage in STEPS:
        a, b = STEPS[stage]
        return [
            r["latency_ms"][b] - r["latency_ms"][a] for r in records if a in r["latency_ms"] and b in r["latency_ms"]
        ]
    return [r["latency_ms"][stage] for r in records if stage in r["latency_ms"]]


def engine_call_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Wall time per engine call, and Whisper decodes per turn."""
    out: dict[str, Any] = {
        engine: summary([c["wall_ms"] for r in records for c in r["engine_calls"] if c["engine"] == engine])
        for engine in CallLog.METHODS
    }
    turns = [r for r in records if r["wake_detected"]]
    out["stt_decodes_per_turn"] = summary([sum(c["engine"] == "stt" for c in r["engine_calls"]) for r in turns])
    return out


def accuracy(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    n = len(records)
    detected = [r for r in records if r["wake_detected"]]
    wers = [r["wer"] for r in records if r["wer"] is not None]
    reasons: dict[str, int] = {}
    for r in records:
        reasons[str(r["end_reason"])] = reasons.get(str(r["end_reason"]), 0) + 1
    spec = [r["speculative_hit"] for r in records if r["speculative_hit"] is not None]
    return {
        "items": n,
        "wake_detection_rate": round(len(detected) / n, 4) if n else None,
        "transcribed": len(wers),
        "mean_wer": round(float(np.mean(wers)), 4) if wers else None,
        "transcript_match_rate": round(sum(r["transcript_match"] for r in records) / n, 4) if n else None,
        "intent_accuracy": round(sum(r["intent_ok"] for r in records) / n, 4) if n else None,
        "answer_accuracy": round(sum(r["answer_ok"] for r in records) / n, 4) if n else None,
        "speculative_hit_rate": round(sum(spec) / len(spec), 4) if spec else None,
        "end_reasons": reasons,
        "errors": sum(len(r["errors"]) for r in records),
    }


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r["voice"], []).append(r)
    groups["overall"] = list(records)
    late = [r["chunk_lateness_ms"]["max"] for r in records]
    return {
        name: {
            "latency_ms": {s: summary(stage_values(rs, s)) for s in (*STAGES, *STEPS)},
            "engine_call_ms": engine_call_summary(rs),
            "accuracy": accuracy(rs),
            "chunk_lateness_max_ms": summary(late) if name == "overall" else None,
            "cpu_cores": cpu_split(rs),
        }
        for name, rs in groups.items()
    }


def cpu_split(records: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Process CPU seconds per wall second, over items with a turn and over items that only listened."""

    def ratio(rs: list[dict[str, Any]]) -> float | None:
        wall = sum(r["cpu"]["wall_s"] for r in rs)
        return round(sum(r["cpu"]["process_cpu_s"] for r in rs) / wall, 4) if wall > 0 else None

    return {
        "with_turn": ratio([r for r in records if r["wake_detected"]]),
        "listening_only": ratio([r for r in records if not r["wake_detected"]]),
    }


# -- report -------------------------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    agg = report["aggregates"]
    print(f"\nLatency after the true end of speech (ms), {report['corpus']['items']} items, realtime playback")
    for stage in (*STAGES, *STEPS):
        print()
        print(table_header(stage))
        for name, group in agg.items():
            print(format_row(f"  {name}", group["latency_ms"][stage]))
    print()
    print(table_header("engine call wall (ms)"))
    for engine, stats in agg["overall"]["engine_call_ms"].items():
        print(format_row(f"  {engine}", stats))
    print("\nAccuracy")
    print(
        f"  {'group':<12} {'n':>3} {'wake':>6} {'WER':>6} {'match':>6} {'intent':>6} {'answer':>6} {'spec':>6}  end reasons"
    )
    for name, group in agg.items():
        a = group["accuracy"]
        print(
            f"  {name:<12} {a['items']:>3} {_pct(a['wake_detection_rate'])} {_num(a['mean_wer'])} "
            f"{_pct(a['transcript_match_rate'])} {_pct(a['intent_accuracy'])} {_pct(a['answer_accuracy'])} "
            f"{_pct(a['speculative_hit_rate'])}  {a['end_reasons']}"
        )
    print("\nEngine load (s): " + ", ".join(f"{k} {v:.2f}" for k, v in report["engines"]["load_seconds"].items()))
    print(f"  total wall {report['engines']['load_wall_s']:.2f} s")
    cpu = report["cpu"]
    print(
        f"\nCPU over the measured run: {cpu['process_cpu_s']:.1f} s CPU / {cpu['wall_s']:.1f} s wall = "
        f"{cpu['cpu_per_wall']:.2f} cores ({cpu['share_of_machine'] * 100:.1f}% of {report['machine']['cpu_count']}); "
        f"user {cpu['user_s']:.1f} s, system {cpu['system_s']:.1f} s, max RSS {cpu['max_rss_mb']:.0f} MB"
    )
    m = report["machine"]
    print(f"  machine load average (1/5/15 min): {m['loadavg_1_5_15']} at start, {m['loadavg_at_end']} at end")
    split = agg["overall"]["cpu_cores"]
    print(
        f"  per item: {_cores(split['with_turn'])} cores while serving a turn, {_cores(split['listening_only'])} while only listening"
    )
    late = agg["overall"]["chunk_lateness_max_ms"]
    print(f"Audio chunk lateness (worst per item, ms): median {late['median']}, p95 {late['p95']}, max {late['max']}")
    undetected: dict[str, int] = {}
    for r in report["items"]:
        if not r["wake_detected"]:
            undetected[r["voice"]] = undetected.get(r["voice"], 0) + 1
    if undetected:
        print("\nWake word missed: " + ", ".join(f"{v} {n}" for v, n in undetected.items()))
    misses = [r for r in report["items"] if r["wake_detected"] and not (r["answer_ok"] and r["transcript_match"])]
    if misses:
        print("\nHeard, but a wrong transcript or answer:")
        for r in misses:
            print(f"  {r['id']:<14} intent={r['intent']!s:<8} wer={r['wer']:<5} {r['transcript']!r}")
    slow = [r for r in report["items"] if r["end_reason"] not in (None, "smart-turn")]
    for r in slow:
        said = f"{r['turn_probability']:.3f}" if r["turn_probability"] is not None else "nothing"
        print(f"  {r['id']:<14} ended by {r['end_reason']} (Smart Turn said {said})")


def _cores(x: float | None) -> str:
    return f"{x:.2f}" if x is not None else "-"


def _pct(x: float | None) -> str:
    return f"{x * 100:5.1f}%" if x is not None else f"{'-':>6}"


def _num(x: float | None) -> str:
    return f"{x:6.3f}" if x is not None else f"{'-':>6}"


# -- main ---------------------------------------------------------------------------------------------


def settings_dict(settings: Settings) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(settings), default=str))


async def run(items: Sequence[Item], *, warmup: Item | None) -> dict[str, Any]:
    settings = load_settings()
    t0 = time.perf_counter()
    engines = await load_engines(settings)
    load_wall = time.perf_counter() - t0
    log = CallLog()
    log.wrap(engines)
    assistant = Assistant(settings, engines, default_brain(settings.brain.timezone))
    warm = await run_item(assistant, warmup, log) if warmup is not None else None
    records = []
    meter = CpuMeter().start()
    for i, item in enumerate(items, 1):
        record = await run_item(assistant, item, log)
        records.append(record)
        lat = record["latency_ms"]
        print(
            f"[{i:>2}/{len(items)}] {item.id:<14} wake={record['wake_detected']!s:<5} "
            f"eot={lat.get('end_of_turn', float('nan')):7.1f} play={lat.get('playback_start', float('nan')):7.1f} ms "
            f"{record['end_reason']!s:<11} {record['intent']!s:<8} {record['transcript']!r}",
            flush=True,
        )
    cpu = meter.stop()
    return {
        "settings": settings_dict(settings),
        "engines": {
            "load_seconds": {k: round(v, 3) for k, v in engines.load_seconds.items()},
            "load_wall_s": round(load_wall, 3),
            "stt": engines.stt.name,
            "tts": f"{engines.tts.name}/{engines.tts.voice}",
            "turn": type(engines.turn).__name__ if engines.turn else None,
        },
        "cpu": cpu,
        "warmup": warm,
        "items": records,
        "aggregates": aggregate(records),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ITEMS} items instead of the full set")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    p.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="comma-separated voices from bench/voices.py")
    p.add_argument("--snr-db", type=float, default=10.0, help="pink noise level (default 10 dB SNR)")
    p.add_argument("--no-warmup", action="store_true", help="measure from the very first turn")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    voices = available_voices([v.strip() for v in args.voices.split(",") if v.strip()])
    if len(voices) < 1:
        print("no voice available", file=sys.stderr)
        return 1
    machine = machine_info()
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    items = build_corpus(voices, REQUESTS, limit=QUICK_ITEMS if args.quick else None, snr_db=args.snr_db)
    warmup = None if args.no_warmup else make_item(voices[0], REQUESTS[0], snr_db=args.snr_db, tag="-warmup")
    print(f"{len(items)} items, voices {', '.join(voices)}, {args.snr_db:g} dB SNR pink noise", flush=True)
    report = asyncio.run(run(items, warmup=warmup))
    report = {
        "benchmark": "latency",
        "mode": "quick" if args.quick else "full",
        "machine": {**machine, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "corpus": {"items": len(items), "voices": voices, "snr_db": args.snr_db, "match_wer": MATCH_WER},
        **report,
    }
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
