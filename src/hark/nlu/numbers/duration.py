"""Durations in words or digits: "five minutes", "an hour and a half", "1h30"."""

from __future__ import annotations

import re

from .words import _NEGATIVE, _number_tokens, _tokens

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
