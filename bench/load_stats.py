"""The pure parts of the server load benchmark: the request mix, per-level statistics,
where the time went, where it saturates, and the printed table. No server, no audio."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpus import COMMANDS, OPEN_QUESTIONS, REQUESTS, Request
from bench.metrics import MATCH_WER, summary, wer

CLASSIC_ACTIONS = ("time_now", "date_today", "timer_start", "list_add")
"""Classic commands in the mix: time, date, timers, lists (no weather nor lights: no fake servers here)."""
LLM_TSV = Path(__file__).resolve().parent / "llm_questions.tsv"
LLM_TSV_CATEGORIES = ("fact", "science", "smalltalk")
"""Quick questions of ``llm_questions.tsv`` added to the corpus's open questions (no tools, no memory)."""
CLASSIC_P95_TARGET_MS = 1000.0
IDLE_CPU_TARGET = 0.50
ADDED_LATENCY_TARGET_MS = 15.0
STEPS: dict[str, tuple[str | None, str]] = {
    "endpointing": (None, "end_of_turn"),
    "stt": ("end_of_turn", "transcript"),
    "brain": ("transcript", "first_reply_text"),
    "tts": ("first_reply_text", "tts_first_audio"),
    "transport": ("tts_first_audio", "first_audio"),
}
"""Where the time from the end of speech to the first audio went, step by step (ms)."""
STEP_ENGINE = {
    "endpointing": "VAD + Smart Turn (end of turn)",
    "stt": "Whisper (stt)",
    "brain": "brain (classic intents / embedded LLM)",
    "tts": "hibari TTS",
    "transport": "server send path (outbox, WebSocket)",
}


def classic_requests() -> list[Request]:
    return [r for r in (*REQUESTS, *COMMANDS) if r.action in CLASSIC_ACTIONS]


def llm_requests(tsv: Path = LLM_TSV) -> list[tuple[str, Request]]:
    """The corpus's open questions (tag ``""``) and the quick fact/science/small-talk questions
    of ``llm_questions.tsv`` (tag ``-<id>``): what the embedded LLM answers."""
    out: list[tuple[str, Request]] = [("", r) for r in OPEN_QUESTIONS]
    seen = {r.text for r in OPEN_QUESTIONS}
    with tsv.open(newline="") as f:
        for row in csv.DictReader(
            (line for line in f if not line.startswith("# ")),
            delimiter="\t",
            fieldnames=["id", "session", "category", "quick", "question", "expect", "fake"],
        ):
            if row["quick"] == "y" and row["category"] in LLM_TSV_CATEGORIES and row["question"] not in seen:
                seen.add(row["question"])
                out.append((f"-{row['id']}", Request(row["question"], "Generative")))
    return out


# -- per level ---------------------------------------------------------------------------------------


def step_values(records: Sequence[dict[str, Any]], step: str) -> list[float]:
    a, b = STEPS[step]
    out = []
    for r in records:
        lat = r["latency_ms"]
        if b in lat and (a is None or a in lat):
            out.append(lat[b] - (lat[a] if a is not None else 0.0))
    return out


def stage_values(records: Sequence[dict[str, Any]], stage: str) -> list[float]:
    return [r["latency_ms"][stage] for r in records if stage in r["latency_ms"]]


def kind_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in records if r["outcome"] == "ok"]
    heard = [r for r in ok if r.get("transcript") is not None and r.get("request")]
    return {
        "requests": len(records),
        "ok": len(ok),
        "not_heard": sum(r["outcome"] == "not-heard" for r in records),
        "lost": sum(r["outcome"] == "lost" for r in records),
        "with_errors": sum(bool(r["errors"]) for r in records),
        "no_audio": sum(r["outcome"] == "ok" and "first_audio" not in r["latency_ms"] for r in records),
        "first_audio_ms": summary(stage_values(ok, "first_audio")),
        "steps_ms": {s: summary(step_values(ok, s)) for s in STEPS},
        "wake_lag_ms": summary(stage_values(records, "wake_lag")),
        "transcript_match_rate": round(
            sum(wer(r["request"], r["transcript"]) <= MATCH_WER for r in heard) / len(heard), 3
        )
        if heard
        else None,
        "continued": sum(r["outcome"] == "ok" and not r.get("wake_heard", True) for r in records),
    }


def level_summary(records: Sequence[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    """Turns per minute, errors, and per kind (``classic``, ``llm``) first-audio and step statistics."""
    ok = [r for r in records if r["outcome"] == "ok"]
    return {
        "requests": len(records),
        "turns_ok": len(ok),
        "errors": sum(r["outcome"] != "ok" or bool(r["errors"]) for r in records),
        "turns_per_min": round(len(ok) / wall_s * 60, 2) if wall_s > 0 else None,
        "classic": kind_summary([r for r in records if r["kind"] == "classic"]),
        "llm": kind_summary([r for r in records if r["kind"] == "llm"]),
        "all": kind_summary(records),
    }


def executor_delta(before: dict[str, Any], after: dict[str, Any], wall_s: float) -> dict[str, Any]:
    """Per engine executor over a level: utilisation (busy seconds per wall second, over its
    workers), calls, and the mean wait in its queue."""
    out = {}
    for role, a in after.items():
        b = before.get(role, {})
        calls = a["completed"] - b.get("completed", 0)
        busy = a["busy_s"] - b.get("busy_s", 0.0)
        waited = a["waited_s"] - b.get("waited_s", 0.0)
        out[role] = {
            "workers": a["workers"],
            "calls": calls,
            "busy_per_wall": round(busy / wall_s, 3) if wall_s > 0 else None,
            "utilisation": round(busy / wall_s / a["workers"], 3) if wall_s > 0 and a["workers"] else None,
            "mean_wait_ms": round(waited / calls * 1000, 1) if calls else None,
            "max_running": a["max_running"],
        }
    return out


def _stat(stats: dict[str, Any], key: str) -> float | None:
    v = stats.get(key)
    return float(v) if isinstance(v, (int, float)) else None


def saturation(levels: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Where it saturates and what first.

    ``classic_target_broken_at``: the first N whose classic first-audio p95 exceeds the target;
    ``throughput_flat_at``: the first N whose turns/min grew less than 20 % over the previous level
    (more devices, hardly more turns); ``first_to_grow``: per kind, the step whose median grew
    the most (ms, by median and by p95) from the smallest level to the first saturated level (else the
    largest)."""
    if not levels:
        return {}
    ordered = sorted(levels, key=lambda lv: lv["n"])
    broken = next(
        (
            lv["n"]
            for lv in ordered
            if (p95 := lv["summary"]["classic"]["first_audio_ms"].get("p95")) is not None
            and p95 > CLASSIC_P95_TARGET_MS
        ),
        None,
    )
    flat = None
    for prev, lv in itertools.pairwise(ordered):
        a, b = prev["summary"]["turns_per_min"], lv["summary"]["turns_per_min"]
        if a and b is not None and b < a * 1.2:
            flat = lv["n"]
            break
    marks = [n for n in (broken, flat) if n is not None]
    at = min(marks) if marks else ordered[-1]["n"]
    base, top = ordered[0], next(lv for lv in ordered if lv["n"] == at)
    growth: dict[str, Any] = {}
    for kind in ("classic", "llm"):
        for stat in ("median", "p95"):
            grew = {}
            for step in STEPS:
                b0 = _stat(base["summary"][kind]["steps_ms"][step], stat)
                b1 = _stat(top["summary"][kind]["steps_ms"][step], stat)
                if b0 is not None and b1 is not None:
                    grew[step] = round(b1 - b0, 1)
            if grew:
                worst = max(grew, key=lambda s: grew[s])
                growth.setdefault(kind, {})[stat] = {"step": worst, "engine": STEP_ENGINE[worst], "grew_ms": grew}
    busiest = None
    ex = top.get("executors") or {}
    if ex:
        role = max(ex, key=lambda r: ex[r]["utilisation"] or 0.0)
        busiest = {"executor": role, **ex[role]}
    return {
        "classic_target_broken_at": broken,
        "throughput_flat_at": flat,
        "analysed_at": at,
        "first_to_grow": growth,
        "busiest_executor": busiest,
    }


# -- the table -----------------------------------------------------------------------------------------


def _ms(stats: dict[str, Any], key: str) -> str:
    v = stats.get(key)
    return f"{v:6.0f}" if isinstance(v, (int, float)) else f"{'-':>6}"


def table(levels: Sequence[dict[str, Any]]) -> list[str]:
    """The load table: one row per N."""
    lines = [
        f"{'N':>3} {'req':>4} {'ok':>4} {'err':>4} {'turns/min':>9}  {'classic med':>11} {'p95':>6}  "
        f"{'LLM med':>7} {'p95':>6}  {'CPU cores':>9} {'RSS MB':>7}  {'stt util':>8} {'tts util':>8}  machine",
    ]
    for lv in sorted(levels, key=lambda x: x["n"]):
        s = lv["summary"]
        c, m = s["classic"]["first_audio_ms"], s["llm"]["first_audio_ms"]
        ex = lv.get("executors") or {}

        def util(role: str, ex: dict[str, Any] = ex) -> str:
            u = ex.get(role, {}).get("utilisation")
            return f"{u * 100:7.0f}%" if isinstance(u, (int, float)) else f"{'-':>8}"

        cpu = lv.get("server_cpu_cores")
        rss = lv.get("server_rss_mb_max")
        lines.append(
            f"{lv['n']:>3} {s['requests']:>4} {s['turns_ok']:>4} {s['errors']:>4} "
            f"{s['turns_per_min'] if s['turns_per_min'] is not None else '-':>9}  "
            f"{_ms(c, 'median'):>11} {_ms(c, 'p95')}  {_ms(m, 'median'):>7} {_ms(m, 'p95')}  "
            f"{cpu if cpu is not None else '-':>9} {rss if rss is not None else '-':>7}  {util('stt')} {util('tts')}  "
            f"{'BUSY' if lv.get('busy') else 'quiet'}"
        )
    return lines


def steps_table(levels: Sequence[dict[str, Any]]) -> list[str]:
    """Median ms of each step from the end of speech to the first audio, per N and kind."""
    lines = [f"{'N':>3} {'kind':<8} " + " ".join(f"{s:>11}" for s in STEPS) + f" {'wake lag':>9}"]
    for lv in sorted(levels, key=lambda x: x["n"]):
        for kind in ("classic", "llm"):
            k = lv["summary"][kind]
            if not k["ok"]:
                continue
            cells = " ".join(f"{_ms(k['steps_ms'][s], 'median'):>11}" for s in STEPS)
            lines.append(f"{lv['n']:>3} {kind:<8} {cells} {_ms(k['wake_lag_ms'], 'median'):>9}")
    return lines


def print_report(report: dict[str, Any]) -> None:
    print("\nLoad: end of speech -> first reply audio at the client (ms); CPU = server process, cores")
    for line in table(report["levels"]):
        print("  " + line)
    print("\nWhere the time went (median ms per step; wake lag: wake detection behind real time)")
    for line in steps_table(report["levels"]):
        print("  " + line)
    print("\nTranscripts matching the request (WER <= 0.2) and turns heard without the wake word (follow-ups)")
    for lv in sorted(report["levels"], key=lambda x: x["n"]):
        c, m = lv["summary"]["classic"], lv["summary"]["llm"]
        print(
            f"  N={lv['n']:<3} classic {c['transcript_match_rate']} ({c['continued']} follow-ups), "
            f"LLM {m['transcript_match_rate']} ({m['continued']} follow-ups); "
            f"server CPU {lv['cpu']['server_cpu_cores']} cores, devices {lv['cpu']['devices_cpu_cores']}, "
            f"other processes {lv['cpu']['others_cpu_cores']} (load average {lv['cpu']['loadavg_at_start'][0]} at start)"
        )
    sat = report.get("saturation") or {}
    print(
        f"\nSaturation: classic p95 > {CLASSIC_P95_TARGET_MS:.0f} ms from N={sat.get('classic_target_broken_at')}; "
        f"turns/min flat from N={sat.get('throughput_flat_at')}; analysed at N={sat.get('analysed_at')}"
    )
    for kind, by in (sat.get("first_to_grow") or {}).items():
        for stat, g in by.items():
            print(f"  {kind} {stat}: grew most: {g['step']} ({g['engine']}), +ms per step {g['grew_ms']}")
    if sat.get("busiest_executor"):
        b = sat["busiest_executor"]
        print(
            f"  busiest executor: {b['executor']} ({b['utilisation']} of {b['workers']} workers, "
            f"mean wait {b['mean_wait_ms']} ms)"
        )
    i = report["idle"]
    print(
        f"\nIdle: {i['devices']} sessions listening: server CPU {i['server_cpu_pct_of_one_core']} % of one core "
        f"(target <= {i['target_pct']:.0f} %; no session: {i['no_session_cpu_pct_of_one_core']} %); RSS "
        f"{i['rss_mb_no_session']} -> {i['rss_mb_listening']} MB, {i['rss_mb_per_session']} MB per session"
        + ("  BUSY" if i["listening"]["busy"] else "")
    )
    s = report["single_device"]
    print(
        f"Single device: first audio through the server median {s['server_first_audio_ms']['median']} ms, "
        f"in-process {s['inproc_first_audio_ms']['median']} ms; added (paired) median {s['added_median_ms']} ms "
        f"(target <= {s['target_ms']:.0f} ms), n={s['added_ms']['n']}; of which the send path (server's "
        f"first tts-audio event -> client's first frame) median {s['transport_ms']['median']} ms"
    )
