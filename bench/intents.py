"""Intent benchmark: text -> tool call accuracy and speed of the classic brain's NLU.

Two sets:

* ``bench/intent_corpus/en.tsv``: Hark's own corpus of commands as people say them
  (columns: sentence, expected tool or ``brain:<command>`` or ``none``, expected key
  arguments as JSON). ``none`` rows must *not* produce an action (chit-chat, questions
  for an LLM, requests too vague to act on).
* Library samples: the installed home-assistant-intents wheel ships only the compiled
  sentence data, not its test sentences, so sentences are generated from the library's
  own templates with hassil's sampler (``sample_intents``) for the intents Hark maps,
  wildcard templates excluded. Only the tool is checked there.

Reported: intent (tool) accuracy, argument accuracy (expected keys equal, among rows whose
tool is right), false-action rate on ``none`` rows, and time per decision (recognise +
map; median and p95). Run: ``python -m bench.intents [--out bench/results/intents.json]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hassil import Intents, SlotList, TextSlotList, sample_intents

from hark.nlu import BrainCommand, IntentRecognizer, ToolCall, first_tool_call
from hark.nlu.loader import library_data

CORPUS_DIR = Path(__file__).resolve().parent / "intent_corpus"
NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))
"""The corpus's relative times are written for this clock (a Friday afternoon)."""

LIBRARY_TOOLS = {
    "HassStartTimer": "timer_start",
    "HassTimerStatus": "timer_status",
    "HassCancelAllTimers": "timer_cancel",
    "HassPauseTimer": "timer_pause",
    "HassUnpauseTimer": "timer_resume",
    "HassGetCurrentTime": "time_now",
    "HassGetCurrentDate": "date_today",
    "HassGetWeather": "weather_get",
    "HassShoppingListAddItem": "list_add",
    "HassNevermind": "brain:stop",
}
"""Library intents sampled, and the tool each must give (templates without home entities)."""


def label(result: ToolCall | BrainCommand | None) -> str:
    if result is None:
        return "none"
    if isinstance(result, BrainCommand):
        return f"brain:{result.command}"
    return result.tool


def load_corpus(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sentence, tool, args = line.split("\t")
        rows.append((sentence, tool, json.loads(args)))
    return rows


def library_samples(language: str, per_intent: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Sentences generated from the library's own templates (no wildcards, ranges expanded).

    Templates that need the home's areas, devices or floors sample nothing: those lists are
    given empty, as the recogniser here knows no home."""
    data = library_data(language) or {"intents": {}}
    intents = Intents.from_dict(data)
    empty: dict[str, SlotList] = {name: TextSlotList.from_strings([], name=name) for name in ("area", "name", "floor")}
    by_intent: dict[str, list[str]] = {}
    for intent, text in sample_intents(
        intents, slot_lists=empty, max_sentences_per_intent=4000, intent_names=set(LIBRARY_TOOLS), language=language
    ):
        by_intent.setdefault(intent, []).append(text)
    rng = random.Random(seed)
    out = []
    for intent, texts in sorted(by_intent.items()):
        for text in rng.sample(texts, min(per_intent, len(texts))):
            out.append((text, intent, LIBRARY_TOOLS[intent]))
    return out


def decide(recognizer: IntentRecognizer, text: str) -> tuple[ToolCall | BrainCommand | None, float]:
    start = time.perf_counter()
    result = first_tool_call(recognizer.candidates(text), NOW)
    return result, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(language: str, per_intent: int, verbose: bool) -> dict[str, Any]:
    start = time.perf_counter()
    recognizer = IntentRecognizer(language)
    startup_s = time.perf_counter() - start
    rows = load_corpus(CORPUS_DIR / f"{language}.tsv")
    timings: list[float] = []
    act_rows = [r for r in rows if r[1] != "none"]
    none_rows = [r for r in rows if r[1] == "none"]
    tool_ok = args_ok = false_actions = 0
    failures: list[dict[str, Any]] = []
    for sentence, tool, args in rows:
        result, seconds = decide(recognizer, sentence)
        timings.append(seconds)
        got = label(result)
        if tool == "none":
            if got != "none":
                false_actions += 1
                failures.append(
                    {
                        "sentence": sentence,
                        "expected": "none",
                        "got": got,
                        "arguments": getattr(result, "arguments", None),
                    }
                )
            continue
        if got != tool:
            failures.append({"sentence": sentence, "expected": tool, "got": got})
            continue
        tool_ok += 1
        got_args = result.arguments if isinstance(result, ToolCall) else {}
        if all(got_args.get(k) == v for k, v in args.items()):
            args_ok += 1
        else:
            failures.append({"sentence": sentence, "expected": tool, "arguments": got_args, "expected_arguments": args})

    logging.getLogger().setLevel(logging.ERROR)  # hassil's sampler logs every empty list
    samples = library_samples(language, per_intent)
    intent_hits = lib_ok = lib_mappable = 0
    lib_failures = []
    for sentence, intent, tool in samples:
        match = recognizer.recognize(sentence)
        intent_hits += match is not None and match.intent == intent
        result, seconds = decide(recognizer, sentence)
        timings.append(seconds)
        if match is not None and any(k.startswith("start_") for k in match.slots):
            continue  # a timer named by its duration ("pause the 5 minute timer"): no tool argument for it
        lib_mappable += 1
        if label(result) == tool:
            lib_ok += 1
        else:
            lib_failures.append({"sentence": sentence, "expected": tool, "got": label(result)})

    report = {
        "language": language,
        "startup_s": round(startup_s, 3),
        "corpus": {
            "sentences": len(rows),
            "actions": len(act_rows),
            "none": len(none_rows),
            "intent_accuracy": round(tool_ok / len(act_rows), 4),
            "argument_accuracy": round(args_ok / max(tool_ok, 1), 4),
            "end_to_end_accuracy": round(args_ok / len(act_rows), 4),
            "false_action_rate": round(false_actions / max(len(none_rows), 1), 4),
        },
        "library_samples": {
            "source": "generated from home-assistant-intents templates with hassil.sample_intents (the wheel has no test data)",
            "sentences": len(samples),
            "intent_accuracy": round(intent_hits / max(len(samples), 1), 4),
            "tool_sentences": lib_mappable,
            "tool_accuracy": round(lib_ok / max(lib_mappable, 1), 4),
            "note": "tool accuracy leaves out timers named by their duration, which no tool argument can express",
        },
        "decision_ms": {
            "median": round(statistics.median(timings) * 1000, 2),
            "p95": round(percentile(timings, 0.95) * 1000, 2),
            "max": round(max(timings) * 1000, 2),
        },
        "failures": failures,
        "library_failures": lib_failures[:50],
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--language", default="en")
    parser.add_argument("--per-intent", type=int, default=25, help="library samples per intent")
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    args = parser.parse_args(argv)
    report = run(args.language, args.per_intent, args.verbose)
    c, lib, ms = report["corpus"], report["library_samples"], report["decision_ms"]
    print(f"startup: {report['startup_s']:.3f} s")
    print(
        f"corpus {args.language}: {c['sentences']} sentences ({c['actions']} actions, {c['none']} none) | "
        f"intent accuracy {c['intent_accuracy']:.1%} | argument accuracy {c['argument_accuracy']:.1%} | "
        f"end-to-end {c['end_to_end_accuracy']:.1%} | false actions {c['false_action_rate']:.1%}"
    )
    print(
        f"library samples: {lib['sentences']} sentences | intent accuracy {lib['intent_accuracy']:.1%} | "
        f"tool accuracy {lib['tool_accuracy']:.1%} on {lib['tool_sentences']} with a tool equivalent"
    )
    print(f"decision time: median {ms['median']:.2f} ms, p95 {ms['p95']:.2f} ms, max {ms['max']:.2f} ms")
    failures = report["failures"] + (report["library_failures"] if args.verbose else [])
    for f in failures if args.verbose else report["failures"][:40]:
        print("  FAIL", json.dumps(f, ensure_ascii=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
