"""Spoken forms of stored things: durations, clock times, days, lists of words.

Kept apart from the skills so the scheduler's announcements ("Your pasta timer
finished 3 minutes ago") and the skills' replies say things the same way.
Numbers stay digits: the TTS reads them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Sequence

from .recurrence import WEEKDAYS

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def join(words: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def duration(seconds: float) -> str:
    """Time left, rounded up to the second: ``8 minutes and 20 seconds``.

    Above an hour the seconds are dropped (rounded to the nearest minute): nobody
    wants to hear "1 hour, 2 minutes and 7 seconds".
    """
    total = max(0, math.ceil(seconds - 1e-6))
    if total >= 3600:
        total = round(total / 60) * 60
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [plural(n, unit) for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return join(parts) if parts else "0 seconds"


def ago(seconds: float) -> str:
    """How long ago, at the precision a person cares about: ``40 seconds``, ``3 minutes``, ``2 hours and 5 minutes``."""
    s = max(0, round(seconds))
    if s < 60:
        return plural(s, "second")
    if s < 3600:
        return plural(round(s / 60), "minute")
    hours, minutes = divmod(round(s / 60), 60)
    return join([plural(hours, "hour")] + ([plural(minutes, "minute")] if minutes else []))


def timer_label(seconds: int) -> str:
    """A descriptive name for an unnamed timer: ``5 minute``, ``90 second``, ``1 hour 30 minute``."""
    if seconds < 180 and seconds % 60:
        return f"{seconds} second"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n)


def clock_time(t: dt.time | dt.datetime) -> str:
    """``7:00``, ``18:30`` (24-hour, no leading zero)."""
    return f"{t.hour}:{t.minute:02d}"


def days(weekdays: Collection[int]) -> str:
    """``every day``, ``on weekdays``, ``at weekends``, ``on Mondays and Thursdays``."""
    chosen = sorted(set(weekdays))
    if len(chosen) == 7:
        return "every day"
    if chosen == [0, 1, 2, 3, 4]:
        return "on weekdays"
    if chosen == [5, 6]:
        return "at weekends"
    return "on " + join([f"{_DAY_NAMES[d]}s" for d in chosen])


def day(date: dt.date, today: dt.date) -> str:
    """``today``, ``tomorrow``, ``on Friday`` (within a week), ``on March 3``."""
    delta = (date - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if 1 < delta < 7:
        return f"on {_DAY_NAMES[date.weekday()]}"
    return f"on {date.strftime('%B')} {date.day}" + (f", {date.year}" if date.year != today.year else "")


__all__ = ["WEEKDAYS", "ago", "clock_time", "day", "days", "duration", "join", "plural", "timer_label"]
