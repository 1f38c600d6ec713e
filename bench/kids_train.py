"""Train the kids-mode learned layer (:mod:`hark.kids.learned`) offline, and say how well it generalises,
on whole requests and on replies *as they stream*.

    .venv/bin/python -m bench.kids_train [--cache /tmp/kids_emb.npz] [--out src/hark/kids/data/safety_head.npz]
        [--set default|all] [--results bench/results/kids_train.json] [--fold-heads DIR] [--compare HEAD.npz]

The texts of ``bench/kids_corpus/{requests,replies}{,_holdout,_fresh,_final,_train3}.tsv`` are
embedded with all-MiniLM-L6-v2 (:mod:`hark.kids.embedder`); a head on the embeddings says how likely
a text is unsafe and which category it is. Candidates (``CANDIDATES``) are compared by **grouped
cross-validation over the five files**: train on four (dev, holdout, fresh, final, train3), score the
fifth, for each file in turn. ``_final2`` and ``_final3`` are never trained on (see ``FILES``).

A reply window that holds the end of an earlier sentence is scored on the window and on its last
sentence alone, the higher counting (:func:`hark.kids.safety.learned_texts`, as at run time).

Replies are scored the way they are judged in kids mode: **streamed**. Each reply of the held-out
file is cut into the pieces :class:`hark.household.kidsmode.KidsGuard` releases
(:func:`hark.household.kidsmode._pieces` over word-by-word deltas) and pushed through the real
:class:`hark.kids.ReplyScreen`; every window it checks is scored by the words, the classifier
(``alt-profanity-check`` at its shipped threshold) and the fold's head. A reply is stopped at the
first window any of them refuses. The head judges a window that ends at a clause or sentence mark
at the reply threshold, one that ends mid-clause ("You killed it at your") at the (stricter)
mid-clause threshold (:attr:`hark.kids.learned.Head.partial_threshold`). Both are chosen on the
pooled out-of-fold streams: the pair that keeps the most of the unsafe replies' text unspoken (a
reply stopped at its last word counts for little) while at most ``--max-false-stop`` of the harmless
replies are stopped by anything; the reply head is the candidate that keeps the most unspoken.
Reported per held-out file: harmless replies stopped, unsafe replies stopped, the share of the unsafe
replies' text left unspoken, and unsafe replies stopped only after a whole clause was released (those
released texts are listed: read them).

Requests are checked whole: their threshold is the lowest that blocks at most ``--max-false-block``
of the pooled out-of-fold safe requests.

The rules were tuned on dev, holdout and fresh, so a rules-or-learned figure is honest only on the
``final`` fold; the head-alone figures are honest on every fold.

Augmentation: every training text also in ASR form (lower case, no punctuation); each safe reply's
segmenter clauses; and (``window_weight``) every window the screen judges of each *safe* training
reply, as safe (a harmless reply's unfinished clauses are harmless too). An unsafe reply's windows
are not labelled: its first words ("Sure! You can") are harmless.

``--set all`` runs the same procedure (candidates, grouped cross-validation, pooled out-of-fold
thresholds) over every labelled set, named in :data:`ALL_FILES` (eleven files: the five above,
``train4`` and ``final2`` to ``final6``); ``default`` (:data:`FILES`) is the procedure above. With
``--fold-heads DIR`` the chosen candidates' fold heads (each trained without one file, at the chosen
pooled thresholds) are written to ``DIR/<file>.npz``: ``bench/kids_concern.py --fold-heads DIR`` chooses
the check-in thresholds on them out of fold. ``--compare HEAD.npz`` scores a fixed head (at its own
thresholds, without its check-in tier) the same way on every file, for comparison on the same folds:
honest only on the files that head was not trained on.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.kids_safety import Item, clauses, load
from bench.metrics import announce_machine, write_json
from hark.household.kidsmode import _pieces
from hark.kids import DEFAULT_THRESHOLD, OK, ReplyScreen, SafetyCheck, Verdict, load_profanity_model
from hark.kids.embedder import SentenceEmbedder, load_sentence_embedder
from hark.kids.learned import HEAD_PATH, Head, LearnedLayer, load_heads, save_heads
from hark.kids.safety import ends_clause, learned_texts

FILES: dict[str, tuple[str, str]] = {
    "dev": ("requests.tsv", "replies.tsv"),
    "holdout": ("requests_holdout.tsv", "replies_holdout.tsv"),
    "fresh": ("requests_fresh.tsv", "replies_fresh.tsv"),
    "final": ("requests_final.tsv", "replies_final.tsv"),
    "train3": ("requests_train3.tsv", "replies_train3.tsv"),  # written for the weak spots final2 showed
}
# ``*_final2.tsv``, ``*_final3.tsv`` and ``*_final4.tsv`` are kept out of training: the sets written
# blind that :mod:`bench.kids_safety` scores the shipped head on. ``*_train4.tsv`` (written for final3's
# weak spots, at the same time as final4 and blind to it) is not used either: a head trained with it
# (pooled thresholds pushed up by its hard harmless items) did worse on final4, blind, than the shipped
# one: requests 122/150 blocked vs 128, replies 62/80 stopped vs 68 (see bench/kids_safety.py FIRST_RUNS).
ALL_FILES: dict[str, tuple[str, str]] = {
    **FILES,
    "train4": ("requests_train4.tsv", "replies_train4.tsv"),
    "final2": ("requests_final2.tsv", "replies_final2.tsv"),
    "final3": ("requests_final3.tsv", "replies_final3.tsv"),
    "final4": ("requests_final4.tsv", "replies_final4.tsv"),
    "final5": ("requests_final5.tsv", "replies_final5.tsv"),
    "final6": ("requests_final6.tsv", "replies_final6.tsv"),
}
"""Every labelled set (``--set all``), named one by one: a set written later stays out until named here."""
FILE_SETS: dict[str, dict[str, tuple[str, str]]] = {"default": FILES, "all": ALL_FILES}
SIDES = ("request", "reply")
RESULTS = Path("bench/results/kids_train.json")

Array = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]


def asr_form(text: str) -> str:
    """What the recogniser would write: lower case, no punctuation."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip()


# --- replies as the guard streams them ------------------------------------------------------------------


class _Recorder(SafetyCheck):
    """Records every window the screen checks, and lets it through."""

    def __init__(self) -> None:
        super().__init__(None)
        self.seen: list[str] = []

    def check_reply_clause(self, clause: str) -> Verdict:
        self.seen.append(clause)
        return OK


@dataclasses.dataclass(frozen=True)
class Stream:
    """One reply streamed through the guard: the pieces released and the window checked before each."""

    file: str
    item: Item
    pieces: tuple[str, ...]
    windows: tuple[str, ...]
    other: npt.NDArray[np.bool_]
    """Per window: refused by the words or the classifier (the layers around the head)."""

    def judged(self) -> list[int]:
        """The windows the head judges (those with a text of at least LEARNED_MIN_WORDS words to score)."""
        return [i for i, w in enumerate(self.windows) if learned_texts(w)]


def stream_windows(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(pieces, windows) of ``text`` sent word by word through KidsGuard's piece cutting and ReplyScreen."""
    recorder = _Recorder()
    screen = ReplyScreen(recorder)
    pieces: list[str] = []
    held = ""
    for delta in re.findall(r"\S+\s*", text):
        ready, held = _pieces(held + delta)
        pieces += ready
    if held:
        pieces.append(held)
    for piece in pieces:
        screen.push(piece)
    return tuple(pieces), tuple(recorder.seen)


def streams(check: SafetyCheck, files: dict[str, tuple[str, str]] = FILES) -> list[Stream]:
    out = []
    for file, (_, name) in files.items():
        for it in load(name):
            pieces, windows = stream_windows(it.text)
            other = np.array([not check.check_reply_clause(w).ok for w in windows])
            out.append(Stream(file, it, pieces, windows, other))
    return out


# --- training examples ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Example:
    side: str  # "request" or "reply"
    file: str  # key of FILES
    label: str  # "safe" or a category
    text: str
    origin: str  # "text", "asr", "clause" or "window"


def examples(replies: Sequence[Stream], files: dict[str, tuple[str, str]] = FILES) -> list[Example]:
    """Every corpus text of ``files``, and its augmentations."""
    out: list[Example] = []
    for file, names in files.items():
        for side, name in zip(SIDES, names, strict=True):
            for it in load(name):
                out.append(Example(side, file, it.label, it.text, "text"))
                asr = asr_form(it.text)
                if asr and asr != it.text:
                    out.append(Example(side, file, it.label, asr, "asr"))
                if side == "reply" and not it.unsafe:
                    pieces = clauses(it.text)
                    if len(pieces) > 1:
                        out.extend(Example(side, file, "safe", p, "clause") for p in pieces if len(p) > 3)
    for s in replies:
        if not s.item.unsafe:
            texts = {t for i in s.judged() for t in learned_texts(s.windows[i])} - {s.item.text}
            out.extend(Example("reply", s.file, "safe", t, "window") for t in sorted(texts))
    return out


def embed_all(embedder: SentenceEmbedder, texts: Sequence[str], cache: Path | None) -> dict[str, Array]:
    """Embeddings of ``texts`` (those in ``cache`` are read from it; the cache is rewritten with all)."""
    known: dict[str, Array] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            known = dict(zip((str(t) for t in data["texts"]), np.asarray(data["embeddings"], np.float32), strict=True))
    todo = sorted({t for t in texts if t not in known}, key=len)  # batches of similar length
    t0 = time.perf_counter()
    for start in range(0, len(todo), 32):
        batch = todo[start : start + 32]
        known.update(zip(batch, embedder.embed(batch), strict=True))
    if todo:
        print(f"embedded {len(todo)} texts in {time.perf_counter() - t0:.1f} s")
        if cache is not None:
            np.savez(cache, texts=np.array(list(known)), embeddings=np.stack(list(known.values())))
    return known


# --- candidates -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Candidate:
    name: str
    c: float
    window_weight: float
    """Weight of the safe replies' streamed windows (0: not trained on)."""
    clause_weight: float = 0.5


def _candidates() -> list[Candidate]:
    out = []
    for c in (8.0, 32.0, 128.0):
        out.append(Candidate(f"multiclass C={c} joint, whole texts", c, 0.0))
        for w in (0.5, 1.0, 2.0, 4.0):
            out.append(Candidate(f"multiclass C={c} joint, safe windows x{w}", c, w))
    return out


CANDIDATES = _candidates()


def fit(candidate: Candidate, data: Sequence[Example], emb: dict[str, Array], files: Sequence[str]) -> Head:
    """One multi-class logistic regression on requests and replies of ``files`` ("safe" first)."""
    from sklearn.linear_model import LogisticRegression

    weight = {"text": 1.0, "asr": 1.0, "clause": candidate.clause_weight, "window": candidate.window_weight}
    chosen = [e for e in data if e.file in files and weight[e.origin] > 0]
    classes = ["safe", *sorted({e.label for e in chosen} - {"safe"})]
    x = np.stack([emb[e.text] for e in chosen])
    y = np.array([classes.index(e.label) for e in chosen])
    w = np.array([weight[e.origin] for e in chosen])
    model = LogisticRegression(C=candidate.c, max_iter=3000, class_weight="balanced")
    model.fit(x, y, sample_weight=w)
    return Head(
        classes=tuple(classes),
        weights=np.asarray(model.coef_, np.float32),
        bias=np.asarray(model.intercept_, np.float32),
        threshold=0.5,
    )


def threshold_for(safe_scores: Floats, max_false_block: float) -> float:
    """The lowest threshold that blocks at most ``max_false_block`` of the safe texts."""
    ordered = np.sort(safe_scores)[::-1]
    allowed = int(np.floor(max_false_block * len(ordered)))
    if allowed >= len(ordered):
        return 0.0
    return float(np.nextafter(ordered[allowed], 1.0))  # strictly above the first safe text not allowed


def rate(flags: Sequence[bool]) -> str:
    return f"{sum(flags)}/{len(flags)}"


@dataclasses.dataclass
class Scored:
    """Out-of-fold head scores: per request, per whole reply, per reply window (NaN: not judged)."""

    requests: dict[str, Floats]
    replies: dict[str, Floats]
    windows: list[Floats]


def score_fold(
    scored: Scored,
    held: str,
    heads: tuple[Head, Head],
    data: Sequence[Example],
    emb: dict[str, Array],
    replies: Sequence[Stream],
) -> None:
    """Store the (request, reply) ``heads``' scores on the requests, replies and reply windows of the file ``held``."""
    for head, (side, store) in zip(heads, (("request", scored.requests), ("reply", scored.replies)), strict=True):
        texts = [e.text for e in data if e.file == held and e.side == side and e.origin == "text"]
        store[held] = head.unsafe_probability(np.stack([emb[t] for t in texts]))
    reply = heads[1]
    for k, s in enumerate(replies):
        if s.file == held and (judged := s.judged()):
            p = [
                float(reply.unsafe_probability(np.stack([emb[t] for t in learned_texts(s.windows[i])])).max())
                for i in judged
            ]
            scored.windows[k][judged] = p


def cross_validate(
    candidate: Candidate,
    data: Sequence[Example],
    emb: dict[str, Array],
    replies: Sequence[Stream],
    files: Sequence[str] = tuple(FILES),
) -> Scored:
    scored = Scored({}, {}, [np.full(len(s.windows), np.nan) for s in replies])
    for held in files:
        head = fit(candidate, data, emb, [f for f in files if f != held])
        score_fold(scored, held, (head, head), data, emb, replies)
    return scored


def fixed_heads(
    heads: tuple[Head, Head],
    data: Sequence[Example],
    emb: dict[str, Array],
    replies: Sequence[Stream],
    files: Sequence[str],
) -> Scored:
    """A fixed (request, reply) pair of heads (``--compare``) scored on every file, as a fold is."""
    scored = Scored({}, {}, [np.full(len(s.windows), np.nan) for s in replies])
    for held in files:
        score_fold(scored, held, heads, data, emb, replies)
    return scored


def stop_at(s: Stream, p: Floats, end: float, mid: float, *, learned_only: bool = False) -> int | None:
    """The window the reply is stopped at (None: spoken whole)."""
    for i, w in enumerate(s.windows):
        limit = mid if not ends_clause(w) else end
        if (not learned_only and s.other[i]) or (not np.isnan(p[i]) and p[i] >= limit):
            return i
    return None


def reply_thresholds(replies: Sequence[Stream], scored: Scored, max_false_stop: float) -> tuple[float, float]:
    """(end, mid): the pair that keeps the most of the unsafe replies' text unspoken (each stopped reply
    counts the share of its characters not yet released when it is stopped: stopping at the last word
    of the unsafe clause is worth little), with at most ``max_false_stop`` of the harmless replies
    stopped by anything (ties: fewer harmless stopped, then lower thresholds)."""
    width = max(len(s.windows) for s in replies)
    n = len(replies)
    p = np.zeros((n, width))
    partial = np.zeros((n, width), dtype=bool)
    other = np.zeros((n, width), dtype=bool)
    kept_if = np.zeros((n, width))  # share of the text not released when stopped at this window
    for k, s in enumerate(replies):
        m = len(s.windows)
        p[k, :m] = np.nan_to_num(scored.windows[k], nan=0.0)
        partial[k, :m] = [not ends_clause(w) for w in s.windows]
        other[k, :m] = s.other
        kept_if[k, :m] = [unspoken(s, i) for i in range(m)]
    unsafe = np.array([s.item.unsafe for s in replies])
    top = np.where(partial, 0.0, p).max(axis=1), np.where(partial, p, 0.0).max(axis=1)
    grid = np.unique(
        np.concatenate([np.quantile(np.concatenate(top)[np.tile(~unsafe, 2)], np.linspace(0.8, 1.0, 81)), [1.0]])
    )
    grid = np.nextafter(grid, 2.0)
    rows = np.arange(n)
    best: tuple[float, int, float, float] | None = None
    for end in grid:
        for mid in grid[grid >= end]:
            hit = other | np.where(partial, p >= mid, p >= end)
            stopped = hit.any(axis=1)
            if stopped[~unsafe].mean() > max_false_stop:
                continue
            kept = np.where(stopped, kept_if[rows, hit.argmax(axis=1)], 0.0)
            key = (round(float(kept[unsafe].sum()), 6), -int(stopped[~unsafe].sum()))
            if best is None or key > best[:2]:
                best = (*key, float(end), float(mid))
    assert best is not None
    return min(best[2], 1.0), min(best[3], 1.0)


def released(s: Stream, stop: int | None) -> str:
    return "".join(s.pieces if stop is None else s.pieces[:stop])


def unspoken(s: Stream, stop: int | None) -> float:
    """The share of the reply's characters not released when it is stopped at ``stop`` (0: spoken whole)."""
    return 0.0 if stop is None else 1.0 - len(released(s, stop)) / max(len("".join(s.pieces)), 1)


def report_candidate(
    data: Sequence[Example],
    replies: Sequence[Stream],
    scored: Scored,
    rules: dict[str, npt.NDArray[np.bool_]],
    thresholds: dict[str, float],
    all_files: Sequence[str] = tuple(FILES),
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    end, mid = thresholds["reply"], thresholds["reply_mid_clause"]
    for held in [*all_files, "all"]:
        files = list(all_files) if held == "all" else [held]
        labels = [e.label for f in files for e in data if e.file == f and e.side == "request" and e.origin == "text"]
        p = np.concatenate([scored.requests[f] for f in files])
        by_rules = np.concatenate([rules[f] for f in files])
        unsafe = np.array([lab != "safe" for lab in labels])
        head = p >= thresholds["request"]
        row: dict[str, Any] = {
            "requests": {
                "head_blocked": rate(list(head[unsafe])),
                "head_false_blocks": rate(list(head[~unsafe])),
                "rules|head_blocked": rate(list((head | by_rules)[unsafe])),
                "rules|head_false_blocks": rate(list((head | by_rules)[~unsafe])),
            }
        }
        chosen = [k for k, s in enumerate(replies) if s.file in files]
        stops = {k: stop_at(replies[k], scored.windows[k], end, mid) for k in chosen}
        head_stops = {k: stop_at(replies[k], scored.windows[k], end, mid, learned_only=True) for k in chosen}
        safe_k = [k for k in chosen if not replies[k].item.unsafe]
        unsafe_k = [k for k in chosen if replies[k].item.unsafe]
        late = [
            k for k in unsafe_k if stops[k] is not None and re.search(r"[.!?;:,](\s|$)", released(replies[k], stops[k]))
        ]
        row["replies_streamed"] = {
            "harmless_stopped": rate([stops[k] is not None for k in safe_k]),
            "harmless_stopped_by_head": rate([head_stops[k] is not None for k in safe_k]),
            "unsafe_stopped": rate([stops[k] is not None for k in unsafe_k]),
            "unsafe_stopped_by_head": rate([head_stops[k] is not None for k in unsafe_k]),
            "unsafe_stopped_after_a_clause_was_released": len(late),
            "unsafe_text_unspoken": round(float(np.mean([unspoken(replies[k], stops[k]) for k in unsafe_k])), 4),
        }
        if held != "all":
            row["released_before_stop"] = [released(replies[k], stops[k]).strip() for k in late]
            row["unsafe_not_stopped"] = [replies[k].item.text for k in unsafe_k if stops[k] is None]
            row["harmless_stopped"] = [
                f"{released(replies[k], stops[k])}|{replies[k].windows[stops[k] or 0][-60:]!r}"
                for k in safe_k
                if stops[k] is not None
            ]
        rows[held] = row
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="embeddings cache (.npz) for quicker reruns")
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--max-false-block", type=float, default=0.03, help="pooled out-of-fold false blocks, requests")
    parser.add_argument("--max-false-stop", type=float, default=0.05, help="pooled harmless replies stopped, streamed")
    parser.add_argument("--only", default=None, help="evaluate just the candidate of this name")
    parser.add_argument(
        "--set", choices=sorted(FILE_SETS), default="default", help="the files: FILES (default) or ALL_FILES (all)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON report goes")
    parser.add_argument("--fold-heads", type=Path, default=None, help="write the chosen fold heads to DIR/<file>.npz")
    parser.add_argument("--compare", type=Path, default=None, help="also score this fixed head file on every file")
    args = parser.parse_args(argv)
    machine = announce_machine()
    corpus = FILE_SETS[args.set]
    names = list(corpus)

    embedder = load_sentence_embedder()
    around = SafetyCheck(load_profanity_model(), threshold=DEFAULT_THRESHOLD)  # words and classifier, no head
    replies = streams(around, corpus)
    data = examples(replies, corpus)
    emb = embed_all(
        embedder,
        [e.text for e in data] + [t for s in replies for i in s.judged() for t in learned_texts(s.windows[i])],
        args.cache,
    )
    words = SafetyCheck(None)
    rules = {f: np.array([not words.check_request(it.text).ok for it in load(corpus[f][0])], dtype=bool) for f in names}
    print(f"{len(data)} training texts, {sum(len(s.windows) for s in replies)} streamed windows")

    report: dict[str, Any] = {
        "machine": machine,
        "files": corpus,
        "max_false_block": args.max_false_block,
        "max_false_stop": args.max_false_stop,
        "candidates": {},
    }
    best: dict[str, tuple[float, Candidate, dict[str, float]]] = {}
    for candidate in [c for c in CANDIDATES if args.only is None or c.name == args.only]:
        t0 = time.perf_counter()
        scored = cross_validate(candidate, data, emb, replies, names)
        safe_requests = np.concatenate(
            [
                scored.requests[f][[it.label == "safe" for it in load(corpus[f][0])]]
                for f in names  # in file order, as scored
            ]
        )
        end, mid = reply_thresholds(replies, scored, args.max_false_stop)
        thresholds = {
            "request": threshold_for(safe_requests, args.max_false_block),
            "reply": end,
            "reply_mid_clause": mid,
        }
        rows = report_candidate(data, replies, scored, rules, thresholds, names)
        report["candidates"][candidate.name] = {"thresholds": thresholds, "cv": rows}
        print(f"\n{candidate.name} ({time.perf_counter() - t0:.0f} s): thresholds {thresholds}")
        for held, row in rows.items():
            print(f"  {held:<8} requests {row['requests']}")
            print(f"  {'':<8} replies  {row['replies_streamed']}")
        totals = rows["all"]
        for side, (key, metric) in (
            ("request", ("requests", "head_blocked")),
            ("reply", ("replies_streamed", "unsafe_text_unspoken")),
        ):
            value = totals[key][metric]
            score = value if isinstance(value, float) else int(value.split("/")[0]) / int(value.split("/")[1])
            if side not in best or score > best[side][0]:
                best[side] = (score, candidate, thresholds)

    chosen = {side: best[side][1] for side in SIDES}
    print(f"\nchosen: request head {chosen['request'].name}; reply head {chosen['reply'].name}")
    thresholds = {
        "request": best["request"][2]["request"],
        **{k: best["reply"][2][k] for k in ("reply", "reply_mid_clause")},
    }
    model = f"request: {chosen['request'].name}; reply: {chosen['reply'].name}"

    def heads(files: Sequence[str]) -> tuple[Head, Head]:
        """The chosen candidates trained on ``files``, at the chosen (pooled out-of-fold) thresholds."""
        request = dataclasses.replace(fit(chosen["request"], data, emb, files), threshold=thresholds["request"])
        reply = dataclasses.replace(
            fit(chosen["reply"], data, emb, files),
            threshold=thresholds["reply"],
            partial_threshold=thresholds["reply_mid_clause"],
        )
        return request, reply

    if args.fold_heads is not None:
        for held in names:
            path = args.fold_heads / f"{held}.npz"
            save_heads(path, *heads([f for f in names if f != held]), model=f"{model}; fold without {held}")
            print(f"wrote {path} (trained without {held})")
        report["fold_heads"] = str(args.fold_heads)
    if args.compare is not None:
        fixed = load_heads(args.compare)
        fixed_thresholds = {
            "request": fixed[0].threshold,
            "reply": fixed[1].threshold,
            "reply_mid_clause": fixed[1].threshold_for(partial=True),
        }
        rows = report_candidate(
            data, replies, fixed_heads(fixed[:2], data, emb, replies, names), rules, fixed_thresholds, names
        )
        report["compare"] = {
            "head_file": str(args.compare),
            "model": fixed[2],
            "thresholds": fixed_thresholds,
            "rows": rows,
        }
        print(f"\n{args.compare} ({fixed[2]}), fixed, no check-in tier: thresholds {fixed_thresholds}")
        for held, row in rows.items():
            print(f"  {held:<8} requests {row['requests']}")
            print(f"  {'':<8} replies  {row['replies_streamed']}")
    save_heads(args.out, *heads(names), model=model)
    layer = LearnedLayer.load(embedder, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); reloaded: {layer.describe()}")
    report["chosen"] = {side: c.name for side, c in chosen.items()}
    report["thresholds"] = thresholds
    report["head_file"] = str(args.out)
    write_json(args.results, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
