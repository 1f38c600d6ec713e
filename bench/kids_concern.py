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

For a candidate head trained on every set (``bench/kids_train.py --set all --fold-heads DIR``), no
set is unseen by it; the same rule is then applied **out of fold**: ``--fold-heads DIR`` scores each
set with ``DIR/<set>.npz`` (the chosen candidates trained without that set, at the candidate's pooled
thresholds), ``--head`` names the candidate (what ``--write`` writes the thresholds into), ``--sets all``
names the eleven sets of ``bench/kids_train.py`` ``ALL_FILES`` (``dev`` is ``requests.tsv`` /
``replies.tsv``) and ``--cache`` reads the embeddings ``bench/kids_train.py --cache`` wrote::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.kids_concern --sets all --head /tmp/kids_v5/safety_head.npz \
        --fold-heads /tmp/kids_v5/folds --cache /tmp/kids_emb_v5.npz --out /tmp/kids_v5/kids_concern.json --write

A threshold of the grid above a side's refusal threshold adds nothing and is left out.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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


def corpus_files(name: str) -> tuple[str, str]:
    """(requests file, replies file) of the set ``name`` (``dev``: the first corpus, ``requests.tsv``)."""
    return ("requests.tsv", "replies.tsv") if name == "dev" else (f"requests_{name}.tsv", f"replies_{name}.tsv")


def preload(layer: LearnedLayer, cache: Path) -> int:
    """Put the embeddings of ``cache`` (written by ``bench/kids_train.py --cache``) in ``layer``'s cache."""
    with np.load(cache, allow_pickle=False) as data:
        texts = [str(t) for t in data["texts"]]
        vectors = np.asarray(data["embeddings"], np.float32)
    layer.cache_size = max(layer.cache_size, len(texts) + 100_000)
    for text, vector in zip(texts, vectors, strict=True):
        layer._cache[text] = vector
    return len(texts)


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
    parser.add_argument(
        "--sets",
        default="train4,final4,final5",
        help="corpora the shipped head was not trained on (all: bench/kids_train.py ALL_FILES, with --fold-heads)",
    )
    parser.add_argument("--max-added-false", type=float, default=0.015)
    parser.add_argument("--write", action="store_true", help="store the chosen thresholds in the --head file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--head", type=Path, default=HEAD_PATH, help="the head file (the shipped one by default)")
    parser.add_argument(
        "--fold-heads", type=Path, default=None, help="score each set with DIR/<set>.npz, trained without it"
    )
    parser.add_argument("--cache", type=Path, default=None, help="embeddings cache of bench/kids_train.py (.npz)")
    args = parser.parse_args(argv)
    machine = announce_machine()
    model = load_profanity_model()
    shipped = load_learned_layer(args.head)
    if args.sets == "all":
        from bench.kids_train import ALL_FILES

        sets = list(ALL_FILES)
    else:
        sets = [s for s in args.sets.split(",") if s]
    if args.cache is not None:
        print(f"{preload(shipped, args.cache)} embeddings read from {args.cache}")
    # per set, the layer that scores it: the head's own, or (--fold-heads) the one trained without that set
    layers = {s: shipped for s in sets}
    if args.fold_heads is not None:
        for s in sets:
            layers[s] = load_learned_layer(args.fold_heads / f"{s}.npz")
            layers[s]._cache = shipped._cache  # the embeddings do not depend on the head
    plain = {s: with_concern(layers[s], None, None) for s in sets}
    base_check = {s: SafetyCheck(model, learned=plain[s], threshold=DEFAULT_THRESHOLD) for s in sets}
    corpora = {s: dict(zip(("request", "reply"), (load(f) for f in corpus_files(s)), strict=True)) for s in sets}
    result: dict[str, Any] = {
        "machine": machine,
        "sets": sets,
        "max_added_false": args.max_added_false,
        "head": str(args.head),
        "fold_heads": None if args.fold_heads is None else str(args.fold_heads),
        "sides": {},
    }
    chosen: dict[str, float | None] = {}
    for side in ("request", "reply"):
        base = {s: refused(base_check[s], corpora[s][side], side) for s in sets}
        n_safe = sum(not it.unsafe for s in sets for it in corpora[s][side])
        n_unsafe = sum(it.unsafe for s in sets for it in corpora[s][side])
        rows: dict[float, dict[str, Any]] = {}
        print(f"\n{side}s: {n_unsafe} unsafe, {n_safe} harmless over {', '.join(sets)}")
        print("  shipped: " + ", ".join(f"{s} {sum(b)} refused" for s, b in base.items()))
        top = min(layer.heads[side].threshold for layer in layers.values())
        for t in [t for t in GRID if t <= top]:
            per: dict[str, Any] = {}
            for s in sets:
                layer = with_concern(plain[s], t if side == "request" else None, t if side == "reply" else None)
                check = SafetyCheck(model, learned=layer, threshold=DEFAULT_THRESHOLD)
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
            args.head,
            dataclasses.replace(heads["request"], concern_threshold=chosen["request"]),
            dataclasses.replace(heads["reply"], concern_threshold=chosen["reply"]),
            model=shipped.model,
        )
        print(f"wrote the check-in thresholds to {args.head}: {chosen}")
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
