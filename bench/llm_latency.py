"""Spoken latency of the generative brain: open questions, through the real voice loop, per LLM backend.

    .venv/bin/python -m bench.llm_latency [--quick] [--out bench/results/llm_latency.json]

What is measured
----------------
Each item is "Hey Jarvis, <open question>" (questions the classic intents do not
match, so the LLM answers), spoken by a voice of :mod:`bench.voices` with pink
noise at 10 dB SNR, laid out by :func:`bench.corpus.make_item` (the same audio for
every backend). It is played in real time through ``Assistant.listen`` (one turn,
``max_turns=1``) with the household's real brain chain (classic first, then the
LLM) and the real engines, into :class:`SpeakerSink`, which consumes audio at
speaker pace for the first ``--paced-s`` seconds of a reply and then drains the
rest at once (every stage measured happens before that; a 300-token answer would
otherwise cost a minute of wall time per item). Each item starts a new
conversation, so every question is a first question.

Backends (``--backends``): ``embedded`` (SmolLM2-135M through ``EmbeddedBackend``,
``llm.backend = "embedded"``), and the fake OpenAI-compatible and Anthropic
servers of ``tests/fake_llm_servers.py`` with an injected delay before their
first byte (``openai@0ms`` ... ``anthropic@300ms``). The fakes stream a scripted
two-sentence answer, all pieces at once, so everything after the delay is Hark.

Per item, in ms after the ground-truth end of speech (read off the clean signal,
see :mod:`bench.corpus`), from the turn's trace:

* ``end_of_turn``    ``VadEnd.t``: the loop decided the user had finished;
* ``transcript``     ``SttEnd.t``: final transcript ready;
* ``first_token``    first ``BrainText`` carrying the model's words (the "Let me
  think." filler, said when the model is slower than ``llm.filler_after_s``, is
  not a token; it is counted in ``filler``);
* ``first_audio``    ``TtsAudio`` index 0 (may be the filler's audio);
* ``playback_start`` ``PlaybackStart.t``.

``continued`` marks a turn the loop ended too early (at a pause) and then continued
when the user went on talking: its marks are those of the final, continued capture.

Hark's own overhead on the fake servers (times on one clock: the fakes run in this
process and stamp requests with ``time.perf_counter``, the pipeline with
``time.monotonic``; the offset between the two is measured and applied):

* ``response_overhead`` = first token - request received by the server - injected delay
  (SDK, SSE parsing, brain, speakable filter, event loop hops);
* ``speech_overhead`` = first audio - first token - TTS synthesis time of segment 0
  (segmenter, worker-thread hand-off); left out when the first audio is the filler's;
* ``overhead`` = the sum (target: median and p95 at most 50 ms);
* ``pre_request`` = request received - transcript (classic brain tried first, memory
  recall, request building, connection); not part of ``overhead``, reported apart.

Also, for every backend (the embedded model's call to ``backend.stream`` standing in
for the server's receipt):

* ``model_first_text`` = first text chunk out of the backend - call (for the fakes:
  the delay plus the HTTP round trip and SDK; for SmolLM2: prefill + first decode);
* ``backend_to_brain_text`` = first token - first text chunk out of the backend
  (the generative brain and the brain chain);
* ``first_clause_wait`` = start of the first synthesis - first token (the segmenter
  waiting for a first clause of ``tts.first_clause_chars``: model pace, not overhead).

Aggregates per backend: n / median / p95 / mean / min / max. The JSON also holds
machine info, load averages at start and end, process CPU per backend, every
engine call's wall time, and token counts per model call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any, cast

from bench.corpus import Item, Request, available_voices, make_item
from bench.household_brain import SpeakerSink
from bench.latency import CallLog, EngineCall, TimedSource, settings_dict, stage_times_ms
from bench.llm_common import (
    BackendSpec,
    FakeServer,
    ModelCall,
    RecordingBackend,
    clock_offset_s,
    fake_server,
    fresh_data_dir,
    household_settings,
    install_recorder,
    parse_backends,
    pieces,
)
from bench.metrics import CpuMeter, busy_warning, format_row, machine_info, summary, table_header, write_json
from hark.audio.chunk import AudioChunk
from hark.brain.conversation import Conversation
from hark.brain.generative import FILLER
from hark.config import Settings, load_settings
from hark.engines.registry import Engines, load_engines
from hark.events import BrainEnd, BrainText, ErrorEvent, Event, SttEnd, TtsAudio, WakeEnd
from hark.household import Household
from hark.session import DeviceSession, TurnResult
from tests.fake_llm_servers import Reply

DEFAULT_OUT = Path("bench/results/llm_latency.json")
DEFAULT_VOICES = ("hibari", "piper")
DEFAULT_BACKENDS = "embedded,openai@0,openai@300,anthropic@0,anthropic@300"
QUICK_ITEMS = 2
TARGET_OVERHEAD_MS = 50.0

QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "Why is the sky blue?",
        "Sunlight scatters off the air, and blue light scatters the most. So blue reaches your eyes from every direction.",
    ),
    (
        "Tell me something interesting about octopuses.",
        "An octopus has three hearts and blue blood. Two of the hearts stop beating when it swims.",
    ),
    (
        "What should I cook tonight?",
        "How about a quick vegetable stir fry with rice? It takes about twenty minutes and uses whatever is in the fridge.",
    ),
    (
        "Why do cats purr?",
        "Cats purr when they are content, and also to calm themselves when they are stressed or hurt.",
    ),
    (
        "Give me a tip for sleeping better.",
        "Keep the same bedtime every night, even at weekends. Your body clock will start to expect it.",
    ),
    (
        "How do airplanes stay in the air?",
        "The wings push air downwards as the plane moves forward. The air pushes back up, and that lift holds the plane.",
    ),
)
STAGES = ("end_of_turn", "transcript", "first_token", "first_audio", "playback_start")
OVERHEADS = (
    "overhead",
    "response_overhead",
    "speech_overhead",
    "pre_request",
    "model_first_text",
    "backend_to_brain_text",
    "first_clause_wait",
)


@dataclasses.dataclass
class Bench:
    """What every item of one backend needs."""

    spec: BackendSpec
    assistant: DeviceSession
    recorder: RecordingBackend
    server: FakeServer | None
    log: CallLog
    paced_s: float
    offset_s: float


# -- one item -------------------------------------------------------------------------------------------


def script(bench: Bench, answer: str) -> None:
    """Queue the fake's answer to the next request: word pieces, after the injected delay."""
    if bench.server is None:
        return
    bench.server.replies.clear()
    bench.server.push(Reply(text=pieces(answer), delay_s=bench.spec.delay_s))


async def run_item(bench: Bench, item: Item, answer: str) -> dict[str, Any]:
    """Play ``item`` through the loop in real time and measure its one turn."""
    script(bench, answer)
    bench.assistant.conversation = Conversation()
    bench.recorder.take()
    bench.log.take()
    requests_before = len(bench.server.requests) if bench.server is not None else 0
    source = TimedSource(item.samples)
    stream = cast(AsyncGenerator[AudioChunk, None], source.stream())  # an async generator method
    try:
        results = await bench.assistant.listen(stream, SpeakerSink(bench.paced_s), max_turns=1)
    finally:
        await stream.aclose()
    assert source.start is not None
    calls = bench.recorder.take()
    # a turn cut short (the user went on talking) may have made a call that never spoke: skip it
    k = next((i for i, c in enumerate(calls) if c.first_text is not None), 0)
    received = None
    if bench.server is not None and len(bench.server.requests) > requests_before + k:
        received = bench.server.requests[requests_before + k].received_at - bench.offset_s
    return measure(
        item,
        source.start + item.speech_end_s,
        results[0] if results else None,
        calls=calls[k:],
        engine_calls=bench.log.take(),
        received=received,
        delay_s=bench.spec.delay_s,
    )


def measure(
    item: Item,
    truth_end: float,
    result: TurnResult | None,
    *,
    calls: list[ModelCall],
    engine_calls: list[EngineCall],
    received: float | None,
    delay_s: float,
) -> dict[str, Any]:
    """Everything recorded about one item: stage marks, overhead split, transcript, reply, tokens."""
    events = result.trace.events if result is not None else []
    stt: SttEnd | None = _first(events, SttEnd)
    end: BrainEnd | None = _first(events, BrainEnd)
    token = next((e for e in events if isinstance(e, BrainText) and e.text != FILLER), None)
    audio = next((e for e in events if isinstance(e, TtsAudio) and e.index == 0), None)
    marks = stage_times_ms(events, truth_end)
    latency = {
        "end_of_turn": marks.get("end_of_turn"),
        "transcript": marks.get("transcript"),
        "first_token": _ms(token.t - truth_end) if token else None,
        "first_audio": marks.get("first_audio"),
        "playback_start": marks.get("playback_start"),
    }
    tts0 = next((c for c in engine_calls if c.engine == "tts" and stt is not None and c.start >= stt.t), None)
    call = calls[0] if calls else None
    return {
        "id": item.id,
        "voice": item.voice,
        "question": item.request.text,
        "wake_detected": result is not None and result.wake is not None,
        "continued": result is not None and result.wake is not None and _first(events, WakeEnd) is None,
        "transcript": stt.text if stt else None,
        "brain": end.brain if end else None,
        "reply": end.text if end else None,
        "filler": any(isinstance(e, BrainText) and e.text == FILLER for e in events),
        "errors": [f"{e.code}: {e.message}" for e in events if isinstance(e, ErrorEvent)],
        "latency_ms": {k: v for k, v in latency.items() if v is not None},
        "overhead_ms": overhead(stt, token, audio, tts0, call, received, delay_s),
        "tts_first_segment": {"text": audio.text, "wall_ms": _ms(tts0.end - tts0.start) if tts0 else None}
        if audio
        else None,
        "model_calls": [_call_record(c, truth_end) for c in calls],
        "engine_calls": [
            {"engine": c.engine, "start_ms": _ms(c.start - truth_end), "wall_ms": _ms(c.end - c.start)}
            for c in engine_calls
        ],
    }


def overhead(
    stt: SttEnd | None,
    token: BrainText | None,
    audio: TtsAudio | None,
    tts0: EngineCall | None,
    call: ModelCall | None,
    received: float | None,
    delay_s: float,
) -> dict[str, float]:
    """The split described in the module docstring; a key is missing where a mark is missing.

    ``received`` is the fake server's receipt of the request (pipeline clock), None for
    the embedded model: then only the model-independent parts are computed, with the
    backend call's start standing in for the receipt.
    """
    sent = received if received is not None else (call.started if call is not None else None)
    first_text = call.first_text if call is not None else None
    out: dict[str, float] = {}
    if sent is not None and stt is not None:
        out["pre_request"] = _ms(sent - stt.t)
    if call is not None and first_text is not None:
        out["model_first_text"] = _ms(first_text - call.started)
    if token is not None and first_text is not None:
        out["backend_to_brain_text"] = _ms(token.t - first_text)
    if token is not None and tts0 is not None and tts0.start >= token.t:
        out["first_clause_wait"] = _ms(tts0.start - token.t)
    if received is None:
        return out
    if token is not None:
        out["response_overhead"] = _ms(token.t - received - delay_s)
    if token is not None and audio is not None and tts0 is not None and audio.t >= token.t:
        out["speech_overhead"] = _ms(audio.t - token.t - (tts0.end - tts0.start))
    if "response_overhead" in out and "speech_overhead" in out:
        out["overhead"] = round(out["response_overhead"] + out["speech_overhead"], 1)
    return out


def _call_record(c: ModelCall, zero: float) -> dict[str, Any]:
    """One model call; ``*_ms`` times are after ``zero`` (the true end of speech, or the turn's start)."""
    return {
        "start_ms": _ms(c.started - zero),
        "first_text_ms": _ms(c.first_text - zero) if c.first_text is not None else None,
        "input_tokens": c.input_tokens,
        "cached_input_tokens": c.cached_input_tokens,
        "output_tokens": c.output_tokens,
        "stop_reason": c.stop_reason,
        "tool_calls": c.tool_calls,
        "wall_ms": _ms(c.ended - c.started) if c.ended is not None else None,
    }


def _first(events: Sequence[Event], cls: type[Event]) -> Any:
    return next((e for e in events if isinstance(e, cls)), None)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# -- one backend ----------------------------------------------------------------------------------------


async def run_backend(
    base: Settings,
    engines: Engines,
    log: CallLog,
    spec: BackendSpec,
    items: Sequence[tuple[Item, str]],
    *,
    paced_s: float,
    data_root: Path,
) -> dict[str, Any]:
    """Open a household for ``spec``, warm it with one text turn, then play every item."""
    with fake_server(spec) as server:
        settings = household_settings(base, spec, server, fresh_data_dir(data_root, spec.label))
        t0 = time.perf_counter()
        household = await Household.open(settings)
        open_s = time.perf_counter() - t0
        try:
            assistant = DeviceSession(settings, engines, household.brain(), journal=household.log_turn)
            recorder = install_recorder(household)
            bench = Bench(spec, assistant, recorder, server, log, paced_s, clock_offset_s())
            warm = await warm_up(bench, items[0])
            records = []
            meter = CpuMeter().start()
            for i, (item, answer) in enumerate(items, 1):
                record = await run_item(bench, item, answer)
                records.append(record)
                print_progress(spec, i, len(items), record)
            cpu = meter.stop()
        finally:
            await household.close()
    return {
        "backend": spec.label,
        "kind": spec.kind,
        "injected_delay_ms": round(spec.delay_s * 1000),
        "model": recorder.model,
        "household_open_s": round(open_s, 3),
        "clock_offset_ms": round(bench.offset_s * 1000, 4),
        "warmup": warm,
        "cpu": cpu,
        "items": records,
        "aggregates": aggregate(records),
    }


async def warm_up(bench: Bench, first: tuple[Item, str]) -> dict[str, Any]:
    """One text turn (no audio): opens the HTTP connection, runs the model once."""
    script(bench, first[1])
    t0 = time.monotonic()
    result = await bench.assistant.ask_text(first[0].request.text, None)
    calls = bench.recorder.take()
    bench.assistant.conversation = Conversation()
    return {
        "question": first[0].request.text,
        "wall_ms": _ms(time.monotonic() - t0),
        "reply": result.reply.text if result.reply else None,
        "model_calls": [_call_record(c, t0) for c in calls],
    }


def print_progress(spec: BackendSpec, i: int, n: int, record: dict[str, Any]) -> None:
    lat, ovh = record["latency_ms"], record["overhead_ms"]

    def cell(d: dict[str, float], key: str) -> str:
        return f"{d[key]:7.1f}" if key in d else f"{'-':>7}"

    print(
        f"[{spec.label:<16} {i:>2}/{n}] {record['id']:<18} eot={cell(lat, 'end_of_turn')} "
        f"tok={cell(lat, 'first_token')} audio={cell(lat, 'first_audio')} play={cell(lat, 'playback_start')} "
        f"ovh={cell(ovh, 'overhead')} {record['brain']!s:<10} {record['transcript']!r}",
        flush=True,
    )


# -- aggregation and report -----------------------------------------------------------------------------


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def values(section: str, key: str) -> list[float]:
        return [r[section][key] for r in records if key in r[section]]

    heard = [r for r in records if r["wake_detected"]]
    return {
        "latency_ms": {s: summary(values("latency_ms", s)) for s in STAGES},
        "overhead_ms": {k: summary(values("overhead_ms", k)) for k in OVERHEADS},
        "tts_first_segment_ms": summary(
            [r["tts_first_segment"]["wall_ms"] for r in records if (r["tts_first_segment"] or {}).get("wall_ms")]
        ),
        "items": len(records),
        "wake_detected": len(heard),
        "continued_turns": sum(r["continued"] for r in records),
        "answered_by_generative": sum(r["brain"] == "generative" for r in records),
        "fillers": sum(r["filler"] for r in records),
        "errors": sum(len(r["errors"]) for r in records),
    }


def print_report(report: dict[str, Any]) -> None:
    backends = report["backends"]
    n = report["corpus"]["items_per_backend"]
    print(f"\nLLM latency after the true end of speech (ms), {n} spoken items per backend, real time")
    for stage in STAGES:
        print()
        print(table_header(stage))
        for b in backends:
            print(format_row(f"  {b['backend']}", b["aggregates"]["latency_ms"][stage]))
    print(
        f"\nOverhead split (ms): overhead = response_overhead + speech_overhead, fake servers only, "
        f"target median and p95 <= {TARGET_OVERHEAD_MS:g}; the rest for every backend"
    )
    for key in OVERHEADS:
        print()
        print(table_header(key))
        for b in backends:
            stats = b["aggregates"]["overhead_ms"][key]
            if stats["n"]:
                print(format_row(f"  {b['backend']}", stats))
    print()
    print(table_header("tts first segment"))
    for b in backends:
        print(format_row(f"  {b['backend']}", b["aggregates"]["tts_first_segment_ms"]))
    print("\nPer backend: items, wake detected, continued after a premature end of turn, answered by the LLM,")
    print("fillers, errors, household open time, process CPU")
    for b in backends:
        a = b["aggregates"]
        print(
            f"  {b['backend']:<18} {a['items']:>3} {a['wake_detected']:>3} {a['continued_turns']:>3} "
            f"{a['answered_by_generative']:>3} "
            f"{a['fillers']:>3} {a['errors']:>3}  open {b['household_open_s']:.2f} s, "
            f"{b['cpu']['cpu_per_wall']:.2f} cores"
        )
    verdict = overhead_verdict(backends)
    if verdict:
        print("\n" + verdict)
    m = report["machine"]
    print(f"\nmachine load average (1/5/15 min): {m['loadavg_1_5_15']} at start, {m['loadavg_at_end']} at end")
    print(f"total wall {report['wall_s']:.0f} s")


def overhead_verdict(backends: Sequence[dict[str, Any]]) -> str:
    lines = []
    for b in backends:
        stats = b["aggregates"]["overhead_ms"]["overhead"]
        if stats["n"]:
            ok = stats["median"] <= TARGET_OVERHEAD_MS and stats["p95"] <= TARGET_OVERHEAD_MS
            lines.append(
                f"  {b['backend']:<18} overhead median {stats['median']:.1f} ms, p95 {stats['p95']:.1f} ms: "
                f"{'within' if ok else 'OVER'} target"
            )
    return "Overhead verdict:\n" + "\n".join(lines) if lines else ""


# -- main -----------------------------------------------------------------------------------------------


def build_items(voices: Sequence[str], *, quick: bool, snr_db: float) -> list[tuple[Item, str]]:
    """Every question by every voice; quick: one item per voice, different questions."""
    if quick:
        pairs = [(voices[i % len(voices)], i) for i in range(QUICK_ITEMS)]
    else:
        pairs = [(v, i) for i in range(len(QUESTIONS)) for v in voices]
    out = []
    for voice, i in pairs:
        question, answer = QUESTIONS[i]
        item = make_item(voice, Request(question, "Generative"), snr_db=snr_db, tag=f"-llm{i:02d}")
        out.append((dataclasses.replace(item, id=f"{voice}/llm{i:02d}"), answer))
    return out


async def run(
    args: argparse.Namespace, items: Sequence[tuple[Item, str]], specs: Sequence[BackendSpec]
) -> dict[str, Any]:
    base = load_settings()
    t0 = time.perf_counter()
    engines = await load_engines(base)
    load_wall = time.perf_counter() - t0
    log = CallLog()
    log.wrap(engines)
    data_root = base.data_dir / "bench-llm-latency"
    backends = []
    for spec in specs:
        backends.append(await run_backend(base, engines, log, spec, items, paced_s=args.paced_s, data_root=data_root))
    return {
        "settings": settings_dict(base),
        "engines": {
            "load_seconds": {k: round(v, 3) for k, v in engines.load_seconds.items()},
            "load_wall_s": round(load_wall, 3),
        },
        "backends": backends,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.llm_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ITEMS} items per backend instead of all")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    p.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="comma-separated voices (at least two)")
    p.add_argument("--backends", default=DEFAULT_BACKENDS, help=f"default {DEFAULT_BACKENDS}")
    p.add_argument("--snr-db", type=float, default=10.0, help="pink noise level (default 10 dB SNR)")
    p.add_argument("--paced-s", type=float, default=2.0, help="seconds of each reply played at speaker pace")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    voices = available_voices([v.strip() for v in args.voices.split(",") if v.strip()])
    if not voices:
        print("no voice available", file=sys.stderr)
        return 1
    specs = parse_backends(args.backends)
    machine = machine_info()
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    items = build_items(voices, quick=args.quick, snr_db=args.snr_db)
    print(f"{len(items)} items per backend, voices {', '.join(voices)}, backends {', '.join(s.label for s in specs)}")
    t0 = time.perf_counter()
    body = asyncio.run(run(args, items, specs))
    report = {
        "benchmark": "llm_latency",
        "mode": "quick" if args.quick else "full",
        "machine": {
            **machine,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "cpu_load_note": busy_warning(machine) or "load average below a quarter of the cores at start",
        },
        "corpus": {
            "items_per_backend": len(items),
            "voices": voices,
            "snr_db": args.snr_db,
            "questions": [q for q, _ in QUESTIONS],
            "paced_s": args.paced_s,
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
