"""The first real brain: time and date, and an honest "not yet" for the rest.

Deliberately small; the classic intents and the LLM arrive as brains of their
own and sit in front of or behind it in a :class:`~hark.brain.chain.BrainChain`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from .base import BrainRequest, Intent, ReplyPart, TextDelta, Unhandled

_TIME = re.compile(r"\b(what(?:'s| is)?\s+(?:the\s+)?time|time\s+is\s+it|tell me the time|current time)\b")
_DATE = re.compile(r"\b(what(?:'s| is)?\s+(?:the\s+|today'?s\s+)?date|date\s+(?:is\s+it|today)|which\s+date)\b")
_DAY = re.compile(r"\b(what|which)\s+day\b")
_TOMORROW = re.compile(r"\btomorrow\b")
_YESTERDAY = re.compile(r"\byesterday\b")


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``11th``, ``23rd``."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spoken_time(t: dt.datetime) -> str:
    hour = t.hour % 12 or 12
    suffix = "AM" if t.hour < 12 else "PM"
    if t.minute == 0:
        return f"{hour} {suffix}"
    return f"{hour}:{t.minute:02d} {suffix}"


def spoken_date(d: dt.date) -> str:
    return f"{d.strftime('%A')}, {d.strftime('%B')} {ordinal(d.day)}, {d.year}"


def normalise(text: str) -> str:
    return re.sub(r"[^\w' ]+", " ", text.lower().replace("’", "'")).strip()


class ClockBrain:
    """Answers the time, the date and the day of the week; ``Unhandled`` otherwise."""

    name = "clock"

    def __init__(self, timezone: str = "") -> None:
        self.tz = ZoneInfo(timezone) if timezone else None

    def _now(self, request: BrainRequest) -> dt.datetime:
        now = request.now()
        return now.astimezone(self.tz) if self.tz else now

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        text = normalise(request.text)
        now = self._now(request)
        if _TIME.search(text):
            yield Intent("GetTime")
            yield TextDelta(f"It's {spoken_time(now)}.")
            return
        if _DATE.search(text) or _DAY.search(text):
            offset = 1 if _TOMORROW.search(text) else -1 if _YESTERDAY.search(text) else 0
            day = now.date() + dt.timedelta(days=offset)
            when = {1: "Tomorrow is", -1: "Yesterday was", 0: "Today is"}[offset]
            yield Intent("GetDate", {"offset_days": offset})
            yield TextDelta(f"{when} {spoken_date(day)}.")
            return
        yield Unhandled("not a time or date question")


class NotYetBrain:
    """The honest end of the chain while Hark knows only the clock."""

    name = "not-yet"

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        yield Intent("Unknown")
        yield TextDelta("Sorry, I can't help with that yet.")
