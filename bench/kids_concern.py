"""Choose the learned layer's check-in thresholds (:attr:`hark.kids.learned.Head.concern_threshold`).

The head refuses at a high threshold (a wrong refusal of "how do bees make honey" is a bad answer);
below it, a request the head reads as one of the serious categories (a disclosure, a child who does
not want to be here, an adult asking for secrets) can still get a kind check-in that names a grown-up.
This measures, on corpora the shipped head was **not trained on** (``--sets``: ``train4``, ``final4``
and ``final5`` by default; see ``bench/kids_train.py`` ``FILES``), what each candidate threshold adds
over the shipped layer (words, learned, classifier):

* requests: unsafe ones newly refused, harmless ones newly refused;
* replies, streamed word by word through :class:`hark.kids.ReplyScreen` as the guard streams them:
  unsafe ones newly stopped, harmless ones newly stopped.

The rule, fixed before the blind set ``final6`` was run: per side, the lowest threshold whose added
harmless refusals, pooled over the sets, stay at most ``--max-added-false`` (1.5 % by default); none if
no threshold adds more unsafe than harmless ones. ``--write`` stores the choice in the shipped head
file (``src/hark/kids/data/safety_head.npz``)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.kids_concern [--write]

Writes ``bench/results/kids_concern.json`` (per threshold and set: the counts, and the texts the
chosen thresholds add, to read).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.kids_safety import Item, guarded, load
from bench.metrics import announce_machine, write_json
from hark.kids import DEFAULT_THRESHOLD, SafetyCheck, load_profanity_model
from hark.kids.learned import HEAD_PATH, LearnedLayer, load_learned_layer, save_heads

RESULTS = Path("bench/results/kids_concern.json")
GRID = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def with_concern(layer: LearnedLayer, request: float | None, reply: float | None) -> LearnedLayer:
    heads = layer.heads
    out = LearnedLayer(
        layer.embedder,
        dataclasses.replace(heads["request"], concern_threshold=request),
        dataclasses.replace(heads["reply"], concern_threshold=reply),
        model=layer.model,
        cache_size=100_000,
    )
    out._cache = layer._cache  # the embeddings do not depend on the thresholds
    return out


def refused(check: SafetyCheck, items: Sequence[Item], side: str) -> list[bool]:
    if side == "request":
        return [not check.check_request(it.text).ok for it in items]
    return [guarded(check, it.text)[0] for it in items]


def added(base: list[bool], new: list[bool], items: Sequence[Item]) -> tuple[list[str], list[str]]:
    """(unsafe texts newly refused, harmless texts newly refused)."""
    fresh = [it for it, b, n in zip(items, base, new, strict=True) if n and not b]
    return [it.text for it in fresh if it.unsafe], [it.text for it in fresh if not it.unsafe]


def choose(rows: dict[float, dict[str, Any]], n_safe: int, budget: float) -> float | None:
    for t in sorted(rows):
        gain, cost = rows[t]["added_unsafe"], rows[t]["added_harmless"]
        if cost <= budget * n_safe and gain > cost:
            return t
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="train4,final4,final5", help="corpora the shipped head was not trained on")
    parser.add_argument("--max-added-false", type=float, default=0.015)
    parser.add_argument("--write", action="store_true", help="store the chosen thresholds in the shipped head file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    machine = announce_machine()
    model = load_profanity_model()
    shipped = load_learned_layer()
    plain = with_concern(shipped, None, None)
    base_check = SafetyCheck(model, learned=plain, threshold=DEFAULT_THRESHOLD)
    sets = [s for s in args.sets.split(",") if s]
    corpora = {s: {"request": load(f"requests_{s}.tsv"), "reply": load(f"replies_{s}.tsv")} for s in sets}
    result: dict[str, Any] = {"machine": machine, "sets": sets, "max_added_false": args.max_added_false, "sides": {}}
    chosen: dict[str, float | None] = {}
    for side in ("request", "reply"):
        base = {s: refused(base_check, corpora[s][side], side) for s in sets}
        n_safe = sum(not it.unsafe for s in sets for it in corpora[s][side])
        n_unsafe = sum(it.unsafe for s in sets for it in corpora[s][side])
        rows: dict[float, dict[str, Any]] = {}
        print(f"\n{side}s: {n_unsafe} unsafe, {n_safe} harmless over {', '.join(sets)}")
        print("  shipped: " + ", ".join(f"{s} {sum(b)} refused" for s, b in base.items()))
        for t in GRID:
            layer = with_concern(plain, t if side == "request" else None, t if side == "reply" else None)
            check = SafetyCheck(model, learned=layer, threshold=DEFAULT_THRESHOLD)
            per: dict[str, Any] = {}
            for s in sets:
                new = refused(check, corpora[s][side], side)
                unsafe, harmless = added(base[s], new, corpora[s][side])
                per[s] = {"added_unsafe": unsafe, "added_harmless": harmless}
            rows[t] = {
                "added_unsafe": sum(len(p["added_unsafe"]) for p in per.values()),
                "added_harmless": sum(len(p["added_harmless"]) for p in per.values()),
                "per_set": per,
            }
            print(
                f"  check-in at {t:.2f}: +{rows[t]['added_unsafe']} unsafe, +{rows[t]['added_harmless']} harmless  ("
                + ", ".join(f"{s} +{len(p['added_unsafe'])}/+{len(p['added_harmless'])}" for s, p in per.items())
                + ")"
            )
        pick = choose(rows, n_safe, args.max_added_false)
        chosen[side] = pick
        print(f"  chosen: {pick}")
        if pick is not None:
            for key in ("added_unsafe", "added_harmless"):
                for s, p in rows[pick]["per_set"].items():
                    for text in p[key]:
                        print(f"    {key[6:]:<8} {s:<7} {text}")
        result["sides"][side] = {
            "n_unsafe": n_unsafe,
            "n_harmless": n_safe,
            "shipped_refused": {s: sum(b) for s, b in base.items()},
            "grid": {f"{t:.2f}": v for t, v in rows.items()},
            "chosen": pick,
        }
    if args.write:
        heads = shipped.heads
        save_heads(
            HEAD_PATH,
            dataclasses.replace(heads["request"], concern_threshold=chosen["request"]),
            dataclasses.replace(heads["reply"], concern_threshold=chosen["reply"]),
            model=shipped.model,
        )
        print(f"wrote the check-in thresholds to {HEAD_PATH}: {chosen}")
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
