"""Kids mode on a streamed reply: what the guard blocks, and what it costs the first audio.

Model-style replies from the labelled corpus (``bench/kids_corpus/replies*.tsv``: safe ones, and
unsafe ones of every category) are streamed as a language model streams them (a few characters
per delta, at ``--tokens-per-s``) through :class:`hark.household.kidsmode.KidsGuard` as a child's
turn, into the speech stage's segmenter (:class:`hark.pipeline.segmenter.Segmenter`, the first
clause cut at ``tts.first_clause_chars``), exactly as ``respond`` feeds it. Reported:

* unsafe replies blocked (no piece of the unsafe text reached the segmenter) and harmless replies
  blocked by mistake;
* first audio: when the segmenter can start synthesis, with the guard vs without it (the same
  stream into the same segmenter): the difference is what kids mode adds to the first audio;
* the guard's own time per piece.

The guard's :class:`~hark.kids.SafetyCheck` is what ships (``--layers shipped``: word lists,
the learned layer of :mod:`hark.kids.learned`, the offensive-language classifier) or what shipped
before the learned layer (``--layers before``: words and the classifier).

    .venv/bin/python -m bench.kids_guard [--tokens-per-s 30] [--quick] [--layers shipped|before]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bench.metrics import announce_machine, summary, write_json
from hark.brain.base import BrainRequest, ReplyPart, TextDelta
from hark.brain.conversation import Conversation
from hark.brain.person import Person
from hark.household.kidsmode import KidsGuard
from hark.kids import SafetyCheck, load_learned_layer, load_profanity_model
from hark.pipeline.segmenter import Segmenter

CORPUS = Path(__file__).parent / "kids_corpus"
RESULTS = Path(__file__).parent / "results" / "kids_guard.json"
RESULTS_BEFORE = Path(__file__).parent / "results" / "kids_guard_before_learned.json"
CHILD = Person(member_id="kid", name="Leo", child=True, age=8, kids_mode=True)


def replies(names: tuple[str, ...]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in names:
        path = CORPUS / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text, *_ = line.split("\t")
            rows.append((label.strip(), text.strip()))
    return rows


def deltas(text: str) -> list[str]:
    """The reply as a model streams it: about one token (~4 characters, at word pieces) per delta."""
    return re.findall(r"\s*\S{1,4}|\s+$", text)


class Streamer:
    name = "generative"

    def __init__(self, text: str, tokens_per_s: float) -> None:
        self.text = text
        self.gap = 1.0 / tokens_per_s

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        for piece in deltas(self.text):
            await asyncio.sleep(self.gap)
            yield TextDelta(piece)


async def first_clause_s(parts: AsyncIterator[ReplyPart], first_clause_chars: int) -> tuple[float | None, str]:
    """When the segmenter cut its first clause (seconds from the start), and all text released."""
    start = time.perf_counter()
    segmenter = Segmenter(first_clause_chars)
    first: float | None = None
    released = ""
    async for part in parts:
        if isinstance(part, TextDelta):
            released += part.text
            if segmenter.push(part.text) and first is None:
                first = time.perf_counter() - start
    if segmenter.flush() and first is None:
        first = time.perf_counter() - start
    return first, released


async def run(args: argparse.Namespace) -> dict[str, object]:
    learned = await asyncio.to_thread(load_learned_layer) if args.layers == "shipped" else None
    safety = SafetyCheck(await asyncio.to_thread(load_profanity_model), learned=learned)
    names = ("replies.tsv", "replies_holdout.tsv", "replies_fresh.tsv", "replies_final.tsv")
    rows = replies(names)
    if args.quick:
        rows = rows[:: max(1, len(rows) // 40)]
    blocked_unsafe = unsafe = blocked_safe = safe = 0
    added_ms: list[float] = []
    piece_us: list[float] = []
    original = safety.check_reply_clause

    def timed(clause: str):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        verdict = original(clause)
        piece_us.append((time.perf_counter() - t0) * 1e6)
        return verdict

    safety.check_reply_clause = timed  # type: ignore[method-assign]
    for label, text in rows:
        request = BrainRequest("tell me something", Conversation(), who=CHILD)
        plain, _ = await first_clause_s(Streamer(text, args.tokens_per_s).respond(request), args.first_clause_chars)
        guard = KidsGuard(Streamer(text, args.tokens_per_s), safety)
        guarded, released = await first_clause_s(guard.respond(request), args.first_clause_chars)
        was_blocked = released.strip() != text.strip()  # the guard said its refusal instead of (the rest of) it
        if label == "safe":
            safe += 1
            blocked_safe += was_blocked
            if was_blocked and args.verbose:
                print("harmless blocked:", text)
            if plain is not None and guarded is not None and not was_blocked:
                added_ms.append((guarded - plain) * 1000)
        else:
            unsafe += 1
            blocked_unsafe += was_blocked
    report: dict[str, object] = {
        "machine": announce_machine(),
        "layers": args.layers,
        "learned": learned.describe() if learned is not None else None,
        "tokens_per_s": args.tokens_per_s,
        "first_clause_chars": args.first_clause_chars,
        "unsafe": unsafe,
        "unsafe_blocked": blocked_unsafe,
        "unsafe_blocked_rate": round(blocked_unsafe / unsafe, 4) if unsafe else None,
        "harmless": safe,
        "harmless_blocked": blocked_safe,
        "harmless_blocked_rate": round(blocked_safe / safe, 4) if safe else None,
        "first_audio_added_ms": summary(added_ms),
        "check_per_piece_us": summary(piece_us),
    }
    print(
        f"unsafe replies blocked {blocked_unsafe}/{unsafe}; harmless blocked {blocked_safe}/{safe}; "
        f"first audio added (ms) {report['first_audio_added_ms']}; check per piece (us) {report['check_per_piece_us']}"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-per-s", type=float, default=30.0, help="the model's streaming rate")
    parser.add_argument("--first-clause-chars", type=int, default=20, help="tts.first_clause_chars")
    parser.add_argument("--quick", action="store_true", help="about 40 replies")
    parser.add_argument("--verbose", action="store_true", help="print each harmless reply that was blocked")
    parser.add_argument("--layers", choices=("shipped", "before"), default="shipped", help="the guard's layers")
    args = parser.parse_args()
    write_json(RESULTS if args.layers == "shipped" else RESULTS_BEFORE, asyncio.run(run(args)))


if __name__ == "__main__":
    main()
