"""Clock times ("7:30 pm", "half past six", "noon") and when they next occur.

Convention: a bare hour ("at 6", "half past six") is ambiguous between a.m. and
p.m.; :func:`resolve_clock` picks the next occurrence after ``now`` (on a given
date: the first occurrence that is still ahead, so "tomorrow at 6" is 06:00).
A part of the day after the time sets a bare hour's meridiem ("6 in the
evening" is 18:00).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from .words import _integer_words, _tokens


@dataclasses.dataclass(frozen=True, slots=True)
class ClockTime:
    """A time of day. ``ambiguous`` when a 1..12 hour came without a.m./p.m."""

    hour: int
    minute: int
    ambiguous: bool = False

    def hhmm(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


_MERIDIEM_WORDS = {
    "am": "am", "a m": "am", "pm": "pm", "p m": "pm",
    "in the morning": "am", "in the afternoon": "pm", "in the evening": "pm", "at night": "pm",
    "tonight": "pm", "this morning": "am", "this afternoon": "pm", "this evening": "pm",
    "morning": "am", "afternoon": "pm", "evening": "pm", "in the night": "pm",
}  # fmt: skip
_NAMED_TIMES = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}


def _hour_value(tokens: list[str]) -> int | None:
    value = _integer_words(tokens)
    return value if value is not None and 0 <= value <= 24 else None


def _minute_value(tokens: list[str]) -> int | None:
    if len(tokens) == 2 and tokens[0] in ("oh", "o", "zero"):
        tokens = tokens[1:]
        value = _integer_words(tokens)
        return value if value is not None and value < 10 else None
    value = _integer_words(tokens)
    return value if value is not None and 0 <= value < 60 else None


def _apply_meridiem(hour: int, minute: int, meridiem: str | None) -> ClockTime | None:
    if meridiem is None:
        if hour == 24 and minute == 0:
            return ClockTime(0, 0)
        if hour > 23:
            return None
        return ClockTime(hour, minute, ambiguous=1 <= hour <= 12 and hour != 12)
    if not 1 <= hour <= 12:
        return None
    hour %= 12
    return ClockTime(hour + 12 if meridiem == "pm" else hour, minute)


def parse_clock(text: str) -> ClockTime | None:
    """A time of day: "7:30 pm", "19:30", "seven thirty", "7 o'clock", "noon", "midnight",
    "half past six", "quarter to eight", "ten past 9 in the evening", "6"."""
    text = text.lower().strip()
    text = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", text)
    text = re.sub(r"(\d)([ap]m)\b", r"\1 \2", text)
    text = re.sub(r"\bo'?\s?clock\b", "", text)
    text = re.sub(r"^at\s+", "", text).strip()
    meridiem = None
    for words, value in sorted(_MERIDIEM_WORDS.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(" " + words) or text == words:
            meridiem, text = value, text[: -len(words)].strip()
            break
    if not text and meridiem is not None:
        return None
    if text in _NAMED_TIMES:
        if meridiem is not None:
            return None
        return ClockTime(*_NAMED_TIMES[text])
    m = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?", text)
    if m:
        hh, mm = int(m.group(1)), int(m.group(2) or 0)
        if mm >= 60:
            return None
        if meridiem is None and len(m.group(1)) == 2 and m.group(1).startswith("0"):
            return ClockTime(hh, mm)  # "06:15" is a 24-hour time: morning
        return _apply_meridiem(hh, mm, meridiem)
    tokens = _tokens(text)
    if len(tokens) >= 2 and tokens[0] == "half" and (half_hour := _hour_value(tokens[1:])) is not None:
        return _apply_meridiem(half_hour, 30, meridiem)  # British "half six": 6:30
    # "half past six", "quarter to eight", "ten past nine", "twenty five to 7"
    for rel in ("past", "after", "to", "before", "til", "till"):
        if rel in tokens:
            k = tokens.index(rel)
            head, tail = tokens[:k], tokens[k + 1 :]
            if head and head[-1] in ("minutes", "minute"):
                head = head[:-1]
            if head in (["half"], ["a", "half"]):
                minutes: int | None = 30
            elif head in (["quarter"], ["a", "quarter"]):
                minutes = 15
            else:
                minutes = _minute_value(head)
            tail_named = " ".join(tail)
            if tail_named in _NAMED_TIMES:
                hour: int | None = _NAMED_TIMES[tail_named][0] or 24
                if meridiem is not None:
                    return None
            else:
                hour = _hour_value(tail)
            if minutes is None or hour is None or (not 0 < minutes <= 30 and rel not in ("past", "after")):
                return None
            if rel in ("past", "after"):
                return (
                    _apply_meridiem(hour, minutes, meridiem)
                    if tail_named not in _NAMED_TIMES
                    else ClockTime(hour % 24, minutes)
                )
            before_hour, before_minute = (hour - 1) % 24, 60 - minutes
            if tail_named in _NAMED_TIMES:
                return ClockTime(before_hour, before_minute)
            if meridiem is None and before_hour == 0:
                before_hour = 12
            return _apply_meridiem(before_hour, before_minute, meridiem)
    # "seven", "seven thirty", "seven oh five", "eleven forty five"
    for split in (1, 2):
        hour = _hour_value(tokens[:split])
        if hour is None:
            continue
        rest = tokens[split:]
        if not rest:
            return _apply_meridiem(hour, 0, meridiem)
        minute = _minute_value(rest)
        if minute is not None and (minute >= 10 or rest[0] in ("oh", "o", "zero")):
            return _apply_meridiem(hour, minute, meridiem)
    return None


def resolve_clock(clock: ClockTime, now: dt.datetime, on: dt.date | None = None) -> dt.datetime:
    """The datetime of ``clock``: on date ``on`` or else the next occurrence after ``now``.

    An ambiguous hour becomes the first of its a.m./p.m. readings that is after ``now``
    (on ``on``: the first one still ahead, else the a.m. one).
    """
    tz = now.tzinfo
    day = on or now.date()
    candidates = [clock.hour, clock.hour + 12] if clock.ambiguous else [clock.hour]
    if on is None:
        options = []
        for offset in (0, 1):
            for hour in candidates:
                moment = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour, clock.minute), tzinfo=tz)
                if moment > now:
                    options.append(moment)
        return min(options)
    moments = [dt.datetime.combine(day, dt.time(h, clock.minute), tzinfo=tz) for h in candidates]
    ahead = [m for m in moments if m > now]
    return min(ahead) if ahead else moments[0]
