"""Relative dates ("tomorrow", "next friday", "in 3 days") and recurring weekdays.

Convention: a weekday means the next such day; today included (a time on it that
has already passed is handled by :func:`~hark.nlu.numbers.moments.parse_datetime`).
"""

from __future__ import annotations

import datetime as dt
import re

from .words import _number_tokens, _tokens

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(WEEKDAYS)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}  # fmt: skip


def _weekday(word: str) -> int | None:
    word = word.lower()
    if word.endswith("s") and word[:-1] in _WEEKDAY_NAMES and len(word) > 4:
        word = word[:-1]
    return _WEEKDAY_NAMES.get(word)


_WRITTEN_ONLY = frozenset(WEEKDAYS) | {w + "s" for w in WEEKDAYS}
"""Written abbreviations that are also spoken words ("the sun", "I sat"): not a day when said."""


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """A day relative to ``today``: "today", "tomorrow", "yesterday", "the day after tomorrow",
    "on friday", "next friday", "in 3 days". A weekday is the next such day, today included."""
    tokens = [t for t in _tokens(text) if t not in ("on", "the", "this", "for", "of")]
    phrase = " ".join(tokens)
    fixed = {
        "today": 0,
        "tonight": 0,
        "now": 0,
        "tomorrow": 1,
        "yesterday": -1,
        "day after tomorrow": 2,
        "day before yesterday": -2,
    }
    if phrase in fixed:
        return today + dt.timedelta(days=fixed[phrase])
    if tokens and tokens[0] == "next" and len(tokens) == 2:
        tokens = tokens[1:]
        if tokens[0] == "week":
            return today + dt.timedelta(days=7)
    if len(tokens) == 1 and tokens[0] not in _WRITTEN_ONLY and (wd := _weekday(tokens[0])) is not None:
        return today + dt.timedelta(days=(wd - today.weekday()) % 7)
    if len(tokens) >= 2 and tokens[0] == "in" and tokens[-1] in ("day", "days", "week", "weeks"):
        n = _number_tokens(tokens[1:-1])
        if n is None or n != int(n) or n < 0:
            return None
        return today + dt.timedelta(days=int(n) * (7 if tokens[-1].startswith("week") else 1))
    if len(tokens) >= 2 and tokens[-1] == "ago" and tokens[-2] in ("day", "days"):
        n = _number_tokens(tokens[:-2])
        if n is None or n != int(n) or n < 0:
            return None
        return today - dt.timedelta(days=int(n))
    return None


def parse_weekdays(text: str) -> tuple[str, ...] | None:
    """Recurring days: "weekdays", "every day", "weekends", "every monday and friday",
    "on mondays, wednesdays and fridays". Days come back as ``mon``..``sun`` in week order."""
    tokens = [t for t in _tokens(text) if t not in ("on", "every", "each", "and", "the", "of", "week")]
    phrase = " ".join(tokens)
    every = re.search(r"\b(every|each)\b", text.lower()) is not None
    if phrase == "daily" or (every and phrase in ("day", "days", "morning", "mornings", "night")):
        return WEEKDAYS
    if phrase in ("weekday", "weekdays", "work days", "workdays", "working days", "weekday mornings"):
        return WEEKDAYS[:5]
    if phrase in ("weekend", "weekends", "saturday sunday", "weekend mornings"):
        return WEEKDAYS[5:]
    days = set()
    for tok in tokens:
        wd = _weekday(tok)
        if wd is None:
            return None
        days.add(wd)
    if not days:
        return None
    return tuple(WEEKDAYS[d] for d in sorted(days))
