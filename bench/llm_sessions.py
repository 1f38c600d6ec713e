"""Two sessions on one embedded model: what keeping a prepared prompt across another
session's turn costs, against evaluating it again.

Session B prepares its prompt (system, history, time note) while its user speaks; then
session A's turn overwrites the KV cache; then B's words arrive. With set-aside states
(:mod:`hark.llm.kv_snapshots`) B's prepared cells are saved before A's turn and restored
for B's stream; without them B's stream evaluates its prompt again. Measured: the save
and restore themselves, and B's prompt evaluation both ways (llama.cpp's counters and
wall time from B's stream start to its first text).

    .venv/bin/python -m bench.llm_sessions [--rounds 7] [--threads 1]

Prints median/p95 and writes ``bench/results/llm_sessions.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from hark.llm.base import Finished, LlmRequest, Message, TextChunk
from hark.llm.embedded import EmbeddedBackend

RESULTS = Path(__file__).parent / "results"
NOTE = ("[Context note, not said by the user. Current local time: Monday 7 December 2026, 10:00.]",)
HISTORY = [
    Message("user", "What can I cook with rice, eggs and spinach? " * 4),
    Message("assistant", "You could make a spinach fried rice with scrambled eggs, or a rice frittata. " * 4),
    Message("user", "How long does the frittata bake?"),
    Message("assistant", "About twenty minutes at 180 degrees, until the middle is set. " * 2),
]


def turn(system: str, words: str, history: list[Message]) -> LlmRequest:
    return LlmRequest(system, [*history, Message("user", words, context=NOTE)], max_tokens=4, temperature=0.0)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


async def first_text(b: EmbeddedBackend, request: LlmRequest) -> tuple[float, Finished]:
    t0 = time.perf_counter()
    first = None
    fin = None
    async for e in b.stream(request):
        if first is None and isinstance(e, TextChunk):
            first = time.perf_counter() - t0
        if isinstance(e, Finished):
            fin = e
    assert fin is not None
    return (first if first is not None else time.perf_counter() - t0), fin


async def run(rounds: int, threads: int, keep: bool) -> dict[str, Any]:
    b = EmbeddedBackend(None, threads=threads, threads_batch=threads, context_tokens=2048, aside=8 if keep else 0)
    await b.load()
    a_req = turn("You are assistant A, in the living room. Answer briefly.", "What time is it?", [])
    b_sys = "You are Hark, a helpful kitchen assistant. Answer in one or two short sentences."
    ahead, final = turn(b_sys, "", HISTORY), turn(b_sys, "And at 200 degrees?", HISTORY)
    firsts: list[float] = []
    evaluated: list[int] = []
    cached: list[int] = []
    restores: list[int] = []
    try:
        for _ in range(rounds):
            await b.prepare(ahead)
            snaps = b.snapshots
            await first_text(b, a_req)  # A's turn: overwrites B's prepared cells
            b.reset_perf()
            restored_before = snaps.restored
            first, fin = await first_text(b, final)
            firsts.append(first)
            evaluated.append(b.perf().prompt_tokens)
            cached.append(fin.cached_input_tokens)
            restores.append(snaps.restored - restored_before)
        return {
            "set_aside": keep,
            "prompt_tokens_b": fin.input_tokens,
            "b_first_text_median_s": statistics.median(firsts),
            "b_first_text_p95_s": pct(firsts, 0.95),
            "b_prompt_tokens_evaluated_median": statistics.median(evaluated),
            "b_cached_input_tokens_median": statistics.median(cached),
            "restores": sum(restores),
        }
    finally:
        await b.aclose()


async def save_restore_cost(rounds: int) -> dict[str, float]:
    """The save (llama_state_seq_get_data) and restore of a prepared prompt, timed alone."""
    b = EmbeddedBackend(None, threads=1, context_tokens=2048)
    await b.load()
    request = turn("You are Hark, a helpful kitchen assistant.", "", HISTORY)
    await b.prepare(request)
    llm = b._llm
    tokens = llm.input_ids[: llm.n_tokens].tolist()
    saves, restores = [], []
    for _ in range(rounds):
        b.snapshots.clear(pinned=False)
        t0 = time.perf_counter()
        b.snapshots.save(llm, tokens, pinned=False)
        saves.append(time.perf_counter() - t0)
        (snap,) = [s for s in b.snapshots._items.values() if not s.pinned]
        t0 = time.perf_counter()
        assert b.snapshots.restore(llm, snap, forget=True)
        restores.append(time.perf_counter() - t0)
    size = len(snap.state)
    await b.aclose()
    return {
        "tokens": len(tokens),
        "state_bytes": size,
        "bytes_per_token": size / len(tokens),
        "save_median_ms": statistics.median(saves) * 1000,
        "restore_median_ms": statistics.median(restores) * 1000,
    }


async def main_async(rounds: int, threads: int) -> None:
    cost = await save_restore_cost(rounds)
    kept = await run(rounds, threads, keep=True)
    lost = await run(rounds, threads, keep=False)
    out = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "model": "SmolLM2-135M-Instruct Q4_1",
        "threads": threads,
        "rounds": rounds,
        "save_restore": cost,
        "with_set_aside": kept,
        "without": lost,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "llm_sessions.json").write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"set aside {cost['tokens']} tokens: {cost['state_bytes'] / 1e6:.1f} MB "
        f"({cost['bytes_per_token'] / 1000:.0f} KB/token), save {cost['save_median_ms']:.1f} ms, "
        f"restore {cost['restore_median_ms']:.1f} ms"
    )
    for name, r in (("with set-aside", kept), ("without", lost)):
        print(
            f"{name:15} B's prompt {r['prompt_tokens_b']} tokens: evaluated {r['b_prompt_tokens_evaluated_median']:.0f},"
            f" first text median {r['b_first_text_median_s'] * 1000:.0f} ms p95 {r['b_first_text_p95_s'] * 1000:.0f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    asyncio.run(main_async(args.rounds, args.threads))


if __name__ == "__main__":
    main()
