"""Answer quality of the generative brain: 50 text turns through the household's real brain chain.

    .venv/bin/python -m bench.llm_quality [--quick] [--out bench/results/llm_quality.json]

What is measured
----------------
``bench/llm_questions.tsv`` holds 50 turns (columns: id, session, category, quick,
question, expected result as JSON, the fake's scripted reply as JSON) in six
categories: ``fact`` (capitals, authors...), ``science``, ``smalltalk``,
``followup`` (needs the previous turn: "What about Germany?" after "What's the
capital of France?"), ``tool`` (timers, lists, alarms...: an action with key
arguments is expected) and ``memory`` ("remember that ..." then a question that
needs the fact, in a new conversation). Consecutive rows with the same session
share one conversation; every new session starts a fresh one. One household (a
fresh data directory) per backend, so facts and lists carry across sessions, as
they do at home.

Each row is one ``Assistant.ask_text`` turn (no audio) through ``Household.brain()``:
the classic intents first, then the LLM, exactly as in use; which brain answered
is recorded. Backends:

* ``embedded``: SmolLM2-135M for real. This score is model quality (plus Hark's
  prompt and its speakable filter). With ``llm.tools = "auto"`` the built-in
  SmolLM2 is offered no tools, so tool rows only pass when the classic brain
  catches them.
* ``openai`` / ``anthropic``: the fake servers of ``tests/fake_llm_servers.py``
  scripted to answer correctly (the last column; some scripted answers carry
  markdown or a list on purpose). This score is **not** model quality: it
  measures Hark's handling, i.e. that scripted tool calls are executed with their
  arguments and their results sent back, that the previous turns and recalled
  facts reach the model, that forgotten facts do not, and that markdown is not
  spoken.

Scoring, automatic, per row (the reply is ``Reply.text``, what would be spoken):

* ``content``: every criterion given passes: ``any`` (one regex matches, case-
  insensitive), ``all`` (every regex matches), ``none`` (no regex matches),
  ``min_words``, ``action`` (an action of that name ran) with ``args`` (each key
  equal: numbers numerically, strings contained one in the other, case-insensitive);
* ``context``: when the model was called, every ``context`` string is in the messages
  of its last request and no ``absent`` string is (None when no model was called);
* ``speakable``: no markdown, no bullet or numbered-list markers, at most 60 words;
* ``correct`` = content passes and context does not fail.

Reported per backend, overall and per category: rows, correct, speakable, both.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.llm_common import (
    BackendSpec,
    FakeServer,
    ModelCall,
    RecordingBackend,
    fake_server,
    fresh_data_dir,
    household_settings,
    install_recorder,
    parse_backends,
    pieces,
)
from bench.metrics import busy_warning, machine_info
from hark.brain.conversation import Conversation
from hark.config import load_settings
from hark.engines.registry import Engines
from hark.household import Household
from hark.session import DeviceSession, TurnResult
from tests.fake_llm_servers import Reply, ToolCall

QUESTIONS = Path(__file__).resolve().parent / "llm_questions.tsv"
DEFAULT_OUT = Path("bench/results/llm_quality.json")
DEFAULT_BACKENDS = "embedded,openai,anthropic"
MAX_WORDS = 60
CATEGORIES = ("fact", "science", "smalltalk", "followup", "tool", "memory")

_MARKDOWN = re.compile(r"\*\*|__|`|~~|^#{1,6}\s|\[[^\]]*\]\([^)]*\)|(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)", re.M)
_BULLETS = re.compile(r"[•▪◦‣●]|^\s*[-*+–]\s|(?:^|\s)\d{1,2}[.)]\s+[A-Z]", re.M)


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    session: str
    category: str
    quick: bool
    question: str
    expect: dict[str, Any]
    fake: dict[str, Any]


def load_rows(path: Path = QUESTIONS) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rid, session, category, quick, question, expect, fake = line.split("\t")
        if category not in CATEGORIES:
            raise ValueError(f"{rid}: unknown category {category!r}")
        rows.append(Row(rid, session, category, quick == "y", question, json.loads(expect), json.loads(fake)))
    return rows


# -- the fake's script --------------------------------------------------------------------------------


def fill(value: Any, now: dt.datetime) -> Any:
    """``"$in:SECONDS"`` -> that local time from ``now`` as ISO-8601 (a reminder's ``at``)."""
    if isinstance(value, str) and value.startswith("$in:"):
        return (now + dt.timedelta(seconds=int(value[4:]))).replace(second=0, microsecond=0).isoformat()
    return value


def scripted(fake: dict[str, Any], now: dt.datetime) -> list[Reply]:
    """The replies the fake server gives this row's model calls (a tool call is two: call, then words)."""
    if "tool" in fake:
        args = json.dumps({k: fill(v, now) for k, v in fake["args"].items()})
        half = len(args) // 2
        call = Reply(tools=[ToolCall(fake["tool"], [args[:half], args[half:]])])
        return [call, Reply(text=pieces(fake.get("then", "Done.")))]
    if "text" in fake:
        return [Reply(text=pieces(fake["text"]))]
    return []


# -- scoring ------------------------------------------------------------------------------------------


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


def _arg_ok(expected: Any, actual: Any) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    e, a = str(expected).lower().strip(), str(actual).lower().strip()
    return bool(a) and (e in a or a in e)


def content_checks(expect: dict[str, Any], reply: str, actions: Sequence[dict[str, Any]]) -> dict[str, bool]:
    """One boolean per criterion the row gives (see the module docstring)."""
    checks: dict[str, bool] = {}
    if "any" in expect:
        checks["any"] = any(_matches(p, reply) for p in expect["any"])
    if "all" in expect:
        checks["all"] = all(_matches(p, reply) for p in expect["all"])
    if "none" in expect:
        checks["none"] = not any(_matches(p, reply) for p in expect["none"])
    if "min_words" in expect:
        checks["min_words"] = len(reply.split()) >= expect["min_words"]
    if "action" in expect:
        named = [a for a in actions if a["name"] == expect["action"]]
        checks["action"] = bool(named)
        if "args" in expect:
            checks["args"] = any(
                all(_arg_ok(v, a["arguments"].get(k)) for k, v in expect["args"].items()) for a in named
            )
    return checks


def context_check(expect: dict[str, Any], calls: Sequence[ModelCall]) -> bool | None:
    """Did the last model request carry the ``context`` strings and none of the ``absent`` ones?"""
    wanted, banned = expect.get("context", []), expect.get("absent", [])
    if not (wanted or banned) or not calls:
        return None
    sent = calls[-1].prompt_text().lower()
    return all(w.lower() in sent for w in wanted) and not any(b.lower() in sent for b in banned)


def speakable_checks(reply: str) -> dict[str, bool]:
    return {
        "no_markdown": _MARKDOWN.search(reply) is None,
        "no_bullets": _BULLETS.search(reply) is None,
        "short": len(reply.split()) <= MAX_WORDS,
    }


def score(row: Row, result: TurnResult, calls: Sequence[ModelCall]) -> dict[str, Any]:
    reply = result.reply.text if result.reply is not None else ""
    actions = [{"name": a.name, "arguments": dict(a.arguments)} for a in (result.reply.actions if result.reply else [])]
    content = content_checks(row.expect, reply, actions)
    context = context_check(row.expect, calls)
    speak = speakable_checks(reply)
    correct = all(content.values()) and context is not False
    return {
        "reply": reply,
        "words": len(reply.split()),
        "brain": result.reply.brain if result.reply else None,
        "actions": actions,
        "content": content,
        "context_ok": context,
        "speakable": speak,
        "correct": correct,
        "speakable_ok": all(speak.values()),
    }


# -- running -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Runner:
    assistant: DeviceSession
    recorder: RecordingBackend
    server: FakeServer | None
    session: str = ""

    async def turn(self, row: Row) -> dict[str, Any]:
        if row.session != self.session:
            self.assistant.conversation = Conversation()
            self.session = row.session
        if self.server is not None:
            self.server.replies.clear()
            self.server.push(*scripted(row.fake, self.assistant.now()))
        self.recorder.take()
        t0 = time.perf_counter()
        result = await self.assistant.ask_text(row.question, None)
        wall = time.perf_counter() - t0
        calls = self.recorder.take()
        record: dict[str, Any] = {
            "id": row.id,
            "session": row.session,
            "category": row.category,
            "question": row.question,
        }
        record.update(score(row, result, calls))
        record["wall_ms"] = round(wall * 1000, 1)
        record["model_calls"] = [
            {
                "input_tokens": c.input_tokens,
                "cached_input_tokens": c.cached_input_tokens,
                "output_tokens": c.output_tokens,
                "stop_reason": c.stop_reason,
                "tool_calls": c.tool_calls,
                "first_text_ms": round((c.first_text - c.started) * 1000, 1) if c.first_text else None,
            }
            for c in calls
        ]
        return record


async def run_backend(spec: BackendSpec, rows: Sequence[Row], data_root: Path) -> dict[str, Any]:
    base = load_settings()
    label = spec.kind
    with fake_server(spec) as server:
        settings = household_settings(base, spec, server, fresh_data_dir(data_root, label))
        household = await Household.open(settings)
        try:
            assistant = DeviceSession(settings, Engines(), household.brain(), journal=household.log_turn)
            runner = Runner(assistant, install_recorder(household), server)
            t0 = time.perf_counter()
            records = []
            for i, row in enumerate(rows, 1):
                record = await runner.turn(row)
                records.append(record)
                print_progress(label, i, len(rows), record)
            wall = time.perf_counter() - t0
        finally:
            await household.close()
    return {
        "backend": label,
        "model": runner.recorder.model,
        "measures": "Hark's handling (tool execution, context passing, speakable filter), not model quality"
        if spec.fake
        else "model quality through Hark's prompt, brain chain and speakable filter",
        "tools_offered": settings.llm.offers_tools,
        "wall_s": round(wall, 1),
        "items": records,
        "aggregates": aggregate(records),
    }


def print_progress(label: str, i: int, n: int, r: dict[str, Any]) -> None:
    mark = "ok " if r["correct"] else "BAD"
    speak = "" if r["speakable_ok"] else " unspeakable:" + ",".join(k for k, v in r["speakable"].items() if not v)
    print(
        f"[{label:<9} {i:>2}/{n}] {mark} {r['id']} {r['brain']!s:<10} {r['wall_ms']:7.0f} ms "
        f"{r['question'][:40]!r:<42} -> {r['reply'][:70]!r}{speak}",
        flush=True,
    )


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def rates(rs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        n = len(rs)
        return {
            "n": n,
            "correct": round(sum(r["correct"] for r in rs) / n, 4) if n else None,
            "speakable": round(sum(r["speakable_ok"] for r in rs) / n, 4) if n else None,
            "both": round(sum(r["correct"] and r["speakable_ok"] for r in rs) / n, 4) if n else None,
            "by_llm": sum(bool(r["model_calls"]) for r in rs),
        }

    out = {"overall": rates(records)}
    for category in CATEGORIES:
        rs = [r for r in records if r["category"] == category]
        if rs:
            out[category] = rates(rs)
    return out


def print_report(report: dict[str, Any]) -> None:
    backends = report["backends"]
    groups = ["overall", *(c for c in CATEGORIES if any(c in b["aggregates"] for b in backends))]
    print("\nCorrect / speakable (% of rows; n = rows, llm = rows where the model was called)")
    print(f"  {'group':<10} " + " ".join(f"{b['backend']:>24}" for b in backends))
    for g in groups:
        cells = []
        for b in backends:
            a = b["aggregates"].get(g)
            cells.append(
                f"{_pct(a['correct'])} / {_pct(a['speakable'])} n={a['n']:<2} llm={a['by_llm']:<2}" if a else "-"
            )
        print(f"  {g:<10} " + " ".join(f"{c:>24}" for c in cells))
    for b in backends:
        print(f"\n{b['backend']}: {b['measures']}; tools offered: {b['tools_offered']}; {b['wall_s']} s")
        bad = [r for r in b["items"] if not r["correct"]]
        for r in bad:
            failed = [k for k, v in r["content"].items() if not v] + (["context"] if r["context_ok"] is False else [])
            print(f"  wrong {r['id']} ({', '.join(failed)}): {r['reply'][:90]!r}")
    print(f"\ntotal wall {report['wall_s']:.0f} s")


def _pct(x: float | None) -> str:
    return f"{x * 100:3.0f}%" if x is not None else "  -"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.llm_quality", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="only the rows marked quick in the TSV")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    p.add_argument("--backends", default=DEFAULT_BACKENDS, help=f"default {DEFAULT_BACKENDS}")
    return p.parse_args(argv)


async def run(rows: Sequence[Row], specs: Sequence[BackendSpec]) -> list[dict[str, Any]]:
    data_root = load_settings().data_dir / "bench-llm-quality"
    return [await run_backend(spec, rows, data_root) for spec in specs]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = load_rows()
    if args.quick:
        rows = [r for r in rows if r.quick]
    specs = [dataclasses.replace(s, delay_s=0.0) for s in parse_backends(args.backends)]
    machine = machine_info()
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    print(f"{len(rows)} rows, backends {', '.join(s.kind for s in specs)}", flush=True)
    t0 = time.perf_counter()
    backends = asyncio.run(run(rows, specs))
    report = {
        "benchmark": "llm_quality",
        "mode": "quick" if args.quick else "full",
        "machine": {**machine, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "questions": {"file": str(QUESTIONS.name), "rows": len(rows), "max_words": MAX_WORDS},
        "wall_s": round(time.perf_counter() - t0, 1),
        "backends": backends,
    }
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
