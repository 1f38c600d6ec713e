"""Moments: a day and a time said together ("tomorrow at noon", "in 20 minutes").

Conventions:

* Parts of the day name a fixed time: morning 09:00, afternoon 15:00, evening
  18:00, tonight 20:00; they also set a bare hour's meridiem ("6 in the
  evening" is 18:00).
* A weekday means the next such day; today if the time is still ahead.
* A date without any time ("tomorrow") is *not* a datetime: parsing returns
  ``None`` rather than inventing one.
"""

from __future__ import annotations

import datetime as dt
import re

from .clock import ClockTime, _apply_meridiem, parse_clock, resolve_clock
from .dates import _weekday, parse_date
from .duration import parse_duration

_PARTS_OF_DAY = {"morning": (9, "am"), "afternoon": (15, "pm"), "evening": (18, "pm"), "night": (20, "pm")}
_PART_OF_DAY_RE = re.compile(r"^(?:(?:this|tomorrow|in the)\s+)?(morning|afternoon|evening|night)$")


def parse_datetime(text: str, now: dt.datetime) -> dt.datetime | None:
    """A moment after ``now``: "in 20 minutes", "tomorrow at noon", "at noon tomorrow",
    "on friday at 9", "at 6", "7:30 pm", "tonight at 8", "tomorrow morning".

    Returns ``None`` for a day without a time ("tomorrow") and for moments in the past.
    """
    text = re.sub(r"\s+", " ", text.lower().strip(" .,?!"))
    if text.startswith("in ") or text.endswith(" from now"):
        body = text[3:] if text.startswith("in ") else text[: -len(" from now")]
        seconds = parse_duration(body)
        return now + dt.timedelta(seconds=seconds) if seconds is not None and seconds > 0 else None
    text = re.sub(r"\btonight\b", "today night", text)
    text = re.sub(r"\bthis (morning|afternoon|evening)\b", r"today \1", text)
    # Split into a day part and a time part on "at" or on known day words.
    day_text, time_text = "", text
    m = re.fullmatch(
        r"(?:(.*?)\s+)?at\s+(.+?)(?:\s+(on .+|today (?:morning|afternoon|evening|night)|today|tomorrow|"
        r"the day after tomorrow|next \w+))?",
        text,
    )
    if m:
        day_text = (m.group(1) or "") + " " + (m.group(3) or "")
        time_text = m.group(2)
    else:
        m = re.fullmatch(r"(today|tomorrow|the day after tomorrow|(?:on |next )?\w+day)(?: (.+))?", text)
        m2 = re.fullmatch(r"(.+?) (today|tomorrow|the day after tomorrow|(?:on |next )?\w+day)", text)
        if m:
            day_text, time_text = m.group(1), m.group(2) or ""
        elif m2:
            day_text, time_text = m2.group(2), m2.group(1)
    day_text = day_text.strip()
    # Parts of the day attached to the time: "at 6 in the evening" is handled by parse_clock;
    # a bare part of the day ("tomorrow morning") is a fixed time.
    part = None
    for name in _PARTS_OF_DAY:
        if re.search(rf"\b{name}\b", day_text):
            part = name
            day_text = re.sub(rf"\b{name}\b", "", day_text).strip()
    clock: ClockTime | None
    if not time_text and part is not None:
        clock = ClockTime(_PARTS_OF_DAY[part][0], 0)
    elif not time_text:
        return None
    elif (pm := _PART_OF_DAY_RE.fullmatch(time_text)) is not None:
        clock = ClockTime(_PARTS_OF_DAY[pm.group(1)][0], 0)
    else:
        clock = parse_clock(time_text)
        if clock is not None and clock.ambiguous and part is not None:
            clock = _apply_meridiem(clock.hour, clock.minute, _PARTS_OF_DAY[part][1])
    if clock is None:
        return None
    if not day_text:
        return resolve_clock(clock, now)
    day = parse_date(day_text, now.date())
    if day is None:
        return None
    if day == now.date() and _weekday(day_text.split()[-1]) is not None:
        # "on friday at 9" said on a Friday after 9: next week's
        moment = resolve_clock(clock, now, day)
        return moment if moment > now else resolve_clock(clock, now, day + dt.timedelta(days=7))
    moment = resolve_clock(clock, now, day)
    return moment if moment > now else None
