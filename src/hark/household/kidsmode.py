"""Kids mode around the brain: the child's request checked before any brain hears it, every
spoken word of the reply checked before it is spoken, and the parent's limits on chatting.

:class:`KidsGuard` wraps the whole brain chain. For a turn in kids mode (``request.who.kids_mode``):

1. the request goes through :meth:`SafetyCheck.check_request`; an unsafe one gets the gentle
   refusal (a redirect to a grown-up), and no brain, no model, no tool ever sees it;
2. the reply's text is released in pieces, each checked (with the end of the one before) before
   it goes on to speech: every clause, and the whole words after it as soon as they have ended,
   so a piece is checked as soon as the speech stage could use it (never spoken unchecked).
   The first unsafe piece ends the reply: the refusal is said instead and the brain is closed.

With the explicit filter alone (an adult who asked for it), only explicit words are screened.

:class:`KidsChatGate` wraps the generative brain: in a child's quiet hours, or past their daily
chat allowance, a request the generative brain would answer gets the bedtime or "that's all for
today" line instead (the classic skills answered what they could before it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..brain.base import Action, Brain, BrainRequest, Claiming, Intent, Preparing, ReplyPart, TextDelta, Unhandled
from ..kids import ReplyScreen, SafetyCheck, Verdict
from ..store import Database, StorageError
from ..store.models import TurnLog
from .policy import BEDTIME, in_quiet_hours

if TYPE_CHECKING:
    from collections.abc import Sequence

EXPLICIT = frozenset({"profanity", "sexual", "hate"})
"""What the explicit filter screens outside kids mode."""
CHAT_DONE = "That's all our chatting for today. Let's talk again tomorrow!"
SESSION_GAP_S = 120.0
"""Chat turns closer than this are one conversation; its length counts towards the daily allowance."""
TURN_S = 30.0
"""What one chat turn counts for on its own (the time to hear it and say the answer)."""

_CLAUSE_END = re.compile(r"[.!?;:,](?=\s|$)|\n")


class KidsGuard:
    """See the module docstring. ``inner`` is the household's brain chain."""

    def __init__(self, inner: Brain, safety: SafetyCheck) -> None:
        self.inner = inner
        self.safety = safety
        self.name = inner.name

    def claims(self, request: BrainRequest) -> bool:
        return isinstance(self.inner, Claiming) and self.inner.claims(request)

    async def prepare(self, request: BrainRequest) -> None:
        if isinstance(self.inner, Preparing):
            await self.inner.prepare(request)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        who = request.who
        if not (who.kids_mode or who.explicit_filter):
            async with contextlib.aclosing(self.inner.respond(request)) as parts:  # type: ignore[type-var]
                async for part in parts:
                    yield part
            return
        if who.kids_mode:
            asked = await asyncio.to_thread(self.safety.check_request, request.text)
            if not asked.ok:
                yield Intent("KidsRefused", {"category": asked.category or "", "layer": asked.layer or ""})
                yield TextDelta(asked.speech)
                return
        screen = ReplyScreen(self.safety)
        held = ""
        async with contextlib.aclosing(self.inner.respond(request)) as parts:  # type: ignore[type-var]
            async for part in parts:
                if not isinstance(part, TextDelta):
                    yield part
                    continue
                pieces, held = _pieces(held + part.text)
                for piece in pieces:
                    # the learned layer takes milliseconds per piece: off the event loop, which other
                    # sessions share
                    refused = self._refused(await asyncio.to_thread(screen.push, piece), kids=who.kids_mode)
                    if refused is not None:
                        yield refused[0]
                        yield TextDelta(refused[1])
                        return
                    yield TextDelta(piece)
        if held:
            refused = self._refused(await asyncio.to_thread(screen.push, held), kids=who.kids_mode)
            if refused is not None:
                yield refused[0]
                yield TextDelta(refused[1])
                return
            yield TextDelta(held)

    @staticmethod
    def _refused(verdict: Verdict, *, kids: bool) -> tuple[Intent, str] | None:
        if verdict.ok or (not kids and verdict.category not in EXPLICIT):
            return None
        intent = Intent("KidsReplyBlocked", {"category": verdict.category or "", "layer": verdict.layer or ""})
        speech = verdict.speech if kids else "Let's leave that one there."
        return intent, f" {speech}"


def _pieces(text: str) -> tuple[list[str], str]:
    """Whole pieces of ``text`` (each clause, then whatever whole words follow) and what is held
    for the next delta (a word not yet ended). Releasing every whole word at once gives the speech
    stage's segmenter the text as soon as it would have had it unguarded: the guard adds only the
    time of its checks to the first audio (:mod:`bench.kids_guard`)."""
    pieces: list[str] = []
    start = 0
    while (end := _CLAUSE_END.search(text, start)) is not None:
        pieces.append(text[start : end.end()])
        start = end.end()
    last_space = max(text.rfind(" ", start), text.rfind("\n", start))
    if last_space >= start:  # up to and with the last space: the words before it have ended
        pieces.append(text[start : last_space + 1])
        start = last_space + 1
    return pieces, text[start:]


class KidsChatGate:
    """See the module docstring. ``inner``: the generative brain (the chain's last resort)."""

    def __init__(self, inner: Brain, db: Database) -> None:
        self.inner = inner
        self.db = db
        self.name = inner.name

    def claims(self, request: BrainRequest) -> bool:
        return isinstance(self.inner, Claiming) and self.inner.claims(request)

    async def prepare(self, request: BrainRequest) -> None:
        if isinstance(self.inner, Preparing) and await self._refusal(request) is None:
            await self.inner.prepare(request)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        async with contextlib.aclosing(self.inner.respond(request)) as stream:  # type: ignore[type-var]
            first = await anext(stream, None)
            if first is None:
                return
            if isinstance(first, Unhandled) or (refusal := await self._refusal(request)) is None:
                yield first
                async for part in stream:
                    yield part
                return
        yield Intent("KidsLimit", {"reason": "quiet-hours" if refusal == BEDTIME else "chat-limit"})
        if request.conversation.chatting:
            request.conversation.chatting = False
            yield Action("chat_mode", {"on": False})
        yield TextDelta(refusal)

    async def _refusal(self, request: BrainRequest) -> str | None:
        who = request.who
        if not who.kids_mode:
            return None
        now = request.now()
        if in_quiet_hours(who.quiet_hours, now):
            return BEDTIME
        if who.chat_minutes_day is not None and who.member_id is not None:
            try:
                used = await chat_seconds(self.db, who.household_id, who.member_id, _midnight(now))
            except StorageError:
                return None  # the allowance cannot be read: the chat goes on (the journal says the disk failed)
            if used >= who.chat_minutes_day * 60:
                return CHAT_DONE
        return None


def _midnight(now: dt.datetime) -> dt.datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def chat_seconds(db: Database, household_id: str, member_id: str, since: dt.datetime) -> float:
    """How long ``member_id`` chatted with the generative brain since ``since``: their generative
    turns grouped into conversations (turns less than :data:`SESSION_GAP_S` apart), each counted
    from its first turn to its last plus :data:`TURN_S`."""
    async with db.transaction() as session:
        times: Sequence[dt.datetime] = (
            await session.scalars(
                select(TurnLog.t)
                .where(
                    TurnLog.household_id == household_id,
                    TurnLog.member_id == member_id,
                    TurnLog.brain == "generative",
                    TurnLog.t >= since.astimezone(dt.UTC),
                )
                .order_by(TurnLog.t)
            )
        ).all()
    total, first, last = 0.0, None, None
    for t in times:
        if last is not None and (t - last).total_seconds() > SESSION_GAP_S:
            assert first is not None
            total += (last - first).total_seconds() + TURN_S
            first = None
        first = first or t
        last = t
    if first is not None and last is not None:
        total += (last - first).total_seconds() + TURN_S
    return total
