"""Numbers, durations, clock times and relative dates, in words or digits (English).

Pure functions: nothing here reads the clock; callers pass a tz-aware ``now``.
Every parser returns ``None`` when it cannot read the *whole* text, never a
guess from part of it: the classic brain then passes the request on instead of
acting on a misunderstanding.

Conventions, chosen once and documented here:

* A bare hour ("at 6", "half past six") is ambiguous between a.m. and p.m.;
  :func:`resolve_clock` picks the next occurrence after ``now`` (on a given
  date: the first occurrence that is still ahead, so "tomorrow at 6" is 06:00).
* Parts of the day name a fixed time: morning 09:00, afternoon 15:00, evening
  18:00, tonight 20:00; they also set a bare hour's meridiem ("6 in the
  evening" is 18:00).
* A weekday means the next such day; today if the time is still ahead.
* A date without any time ("tomorrow") is *not* a datetime: parsing returns
  ``None`` rather than inventing one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

__all__ = [
    "ClockTime",
    "parse_clock",
    "parse_date",
    "parse_datetime",
    "parse_duration",
    "parse_int",
    "parse_number",
    "parse_weekdays",
    "resolve_clock",
]

_UNITS = {
    "zero": 0, "oh": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_FRACTIONS = {"half": 0.5, "quarter": 0.25}
_SCALES = {"thousand": 1000, "million": 1_000_000}
_NEGATIVE = ("minus", "negative")
_DIGITS_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")
_FRACTION_RE = re.compile(r"^(\d+)/(\d+)$")


def _tokens(text: str) -> list[str]:
    """Lower-case words; hyphens between words split ("twenty-five"), a leading minus stays."""
    text = text.lower().strip()
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    text = re.sub(r"(?<!\d),|,(?!\d{3})", " ", text)
    text = re.sub(r"[?!;]", " ", text)
    text = re.sub(r"\.(?!\d)", " ", text)
    return text.split()


def _under_thousand(tokens: list[str]) -> int | None:
    """``[unit] hundred [and] [tens [unit] | unit]`` or ``tens [unit]`` or ``unit``; whole list."""
    value = 0
    i = 0
    if len(tokens) >= 2 and tokens[1] == "hundred":
        head = tokens[0]
        if head in ("a", "one"):
            value = 100
        elif head in _UNITS and 0 < _UNITS[head] < 10:
            value = _UNITS[head] * 100
        else:
            return None
        i = 2
        if i < len(tokens) and tokens[i] == "and":
            i += 1
            if i == len(tokens):
                return None
    elif tokens and tokens[0] == "hundred":
        value, i = 100, 1
    rest = tokens[i:]
    if not rest:
        return value if i else None
    if rest[0] in _TENS:
        value += _TENS[rest[0]]
        if len(rest) == 2 and rest[1] in _UNITS and 0 < _UNITS[rest[1]] < 10:
            return value + _UNITS[rest[1]]
        return value if len(rest) == 1 else None
    if len(rest) == 1 and rest[0] in _UNITS:
        return value + _UNITS[rest[0]]
    return None


def _integer_words(tokens: list[str]) -> int | None:
    """Whole number in words up to the millions ("two thousand and five")."""
    if not tokens:
        return None
    for scale_word, scale in sorted(_SCALES.items(), key=lambda kv: -kv[1]):
        if scale_word in tokens:
            k = tokens.index(scale_word)
            head = tokens[:k]
            if head in ([], ["a"]):
                high: int | None = 1
            else:
                high = _integer_words(head)
            if high is None or high == 0:
                return None
            tail = tokens[k + 1 :]
            if tail and tail[0] == "and":
                tail = tail[1:]
                if not tail:
                    return None
            low = _integer_words(tail) if tail else 0
            if low is None or low >= scale:
                return None
            return high * scale + low
    if len(tokens) == 1 and _DIGITS_RE.match(tokens[0]) and "." not in tokens[0]:
        return int(tokens[0].replace(",", ""))
    return _under_thousand(tokens)


def _simple(tokens: list[str]) -> float | None:
    """A number without sign or "and a half": digits, a fraction, words, "a half", "a quarter"."""
    if not tokens:
        return None
    if len(tokens) == 1:
        tok = tokens[0]
        if _DIGITS_RE.match(tok):
            return float(tok.replace(",", ""))
        m = _FRACTION_RE.match(tok)
        if m:
            den = int(m.group(2))
            return int(m.group(1)) / den if den else None
        if tok in _FRACTIONS:
            return _FRACTIONS[tok]
        if tok in ("a", "an"):
            return 1.0
        if tok == "couple":
            return 2.0
    if len(tokens) == 2 and tokens[0] in ("a", "one") and tokens[1] in _FRACTIONS:
        return _FRACTIONS[tokens[1]]
    if len(tokens) in (2, 3) and tokens[-1] in ("quarter", "quarters") and tokens[0] == "three":
        return 0.75 if len(tokens) == 2 else None
    if tokens[:2] == ["a", "couple"] and len(tokens) == 2:
        return 2.0
    if "point" in tokens:
        k = tokens.index("point")
        whole = _integer_words(tokens[:k]) if k else 0
        digits = tokens[k + 1 :]
        if whole is None or not digits or any(d not in _UNITS or _UNITS[d] > 9 for d in digits):
            return None
        return float(f"{whole}." + "".join(str(_UNITS[d]) for d in digits))
    value = _integer_words(tokens)
    return None if value is None else float(value)


def parse_number(text: str) -> float | None:
    """A number in digits or words: "25", "1.5", "1,000", "twenty five", "a hundred and five",
    "a half", "two and a half", "minus five", "3/4". ``None`` unless the whole text is a number."""
    return _number_tokens(_tokens(text))


def _number_tokens(tokens: list[str]) -> float | None:
    sign = 1.0
    if tokens and tokens[0] in _NEGATIVE:
        sign, tokens = -1.0, tokens[1:]
    extra = 0.0
    for suffix, frac in ((["and", "a", "half"], 0.5), (["and", "half"], 0.5), (["and", "a", "quarter"], 0.25)):
        if len(tokens) > len(suffix) and tokens[-len(suffix) :] == suffix:
            tokens, extra = tokens[: -len(suffix)], frac
            break
    value = _simple(tokens)
    if value is None:
        return None
    if extra and value != int(value):
        return None
    if value < 0 and sign < 0:
        return None
    return sign * (value + extra)


def parse_int(text: str) -> int | None:
    """:func:`parse_number` when the value is a whole number."""
    value = parse_number(text)
    if value is None or value != int(value):
        return None
    return int(value)


# --- durations ---------------------------------------------------------------------------------

_DURATION_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("day", "days"), 86400),
    **dict.fromkeys(("week", "weeks"), 7 * 86400),
}
_DURATION_PHRASES = (
    (re.compile(r"\bhalf (an|a) (hour|minute|second|day)\b"), r"0.5 \2"),
    (re.compile(r"\b(an?|one) (hour|minute|day) and a half\b"), r"1.5 \2"),
    (re.compile(r"\b(a |one )?quarter (of )?an? hour\b"), "15 minutes"),
    (re.compile(r"\bthree quarters (of )?an? hour\b"), "45 minutes"),
    (re.compile(r"\b(a |one )?quarter hour\b"), "15 minutes"),
    (re.compile(r"\b(\d+)\s*(h|hr|hrs|m|min|mins|s|sec|secs)\b"), r"\1 \2"),
    (re.compile(r"\b(\d+)h(\d+)\b"), r"\1 hours \2 minutes"),
)


def parse_duration(text: str) -> int | None:
    """A duration in whole seconds: "five minutes" 300, "1 hour and a half" 5400,
    "an hour and 20 minutes" 4800, "two and a half hours" 9000, "minus five minutes" -300.

    No upper bound: "900 days" parses, so the skill can refuse it with a reason.
    """
    text = text.lower().strip()
    # "another 5 minutes", "3 more minutes", "one more minute", "an extra minute"
    text = re.sub(r"^(?:another|an extra)\s+(?=[a-z]+s?$)", "1 ", text)
    text = re.sub(r"\b(?:another|more|extra)\b", " ", text)
    for pattern, repl in _DURATION_PHRASES:
        text = pattern.sub(repl, text)
    tokens = _tokens(text)
    sign = 1
    if tokens and tokens[0] in _NEGATIVE:
        sign, tokens = -1, tokens[1:]
    elif tokens and tokens[0].startswith("-") and len(tokens[0]) > 1:
        sign, tokens = -1, [tokens[0][1:], *tokens[1:]]
    total = 0.0
    pending: list[str] = []
    last_unit: int | None = None
    found = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _DURATION_UNITS:
            unit = _DURATION_UNITS[tok]
            if not pending or (last_unit is not None and unit >= last_unit):
                return None
            value = _number_tokens(pending)
            if value is None or value < 0:
                return None
            total += value * unit
            pending, last_unit, found = [], unit, True
            rest = tokens[i + 1 : i + 4]
            if rest[:3] == ["and", "a", "half"]:
                total += 0.5 * unit
                i += 3
            elif rest[:3] == ["and", "a", "quarter"]:
                total += 0.25 * unit
                i += 3
            elif rest[:2] == ["and", "half"]:
                total += 0.5 * unit
                i += 2
            if i + 1 < len(tokens) and tokens[i + 1] == "and" and i + 2 < len(tokens):
                i += 1
        else:
            pending.append(tok)
        i += 1
    if pending or not found:
        return None
    return sign * round(total)


# --- clock times -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ClockTime:
    """A time of day. ``ambiguous`` when a 1..12 hour came without a.m./p.m."""

    hour: int
    minute: int
    ambiguous: bool = False

    def hhmm(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


_PARTS_OF_DAY = {"morning": (9, "am"), "afternoon": (15, "pm"), "evening": (18, "pm"), "night": (20, "pm")}
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


# --- dates -------------------------------------------------------------------------------------

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
