"""Numbers in words or digits, and the tokenizer every parser in this package shares.

Every parser returns ``None`` when it cannot read the *whole* text, never a
guess from part of it.
"""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "oh": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
UNIT_WORDS = _UNITS
"""Number words below twenty and their values (shared with the kids' spoken forms)."""
TENS_WORDS = _TENS
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
