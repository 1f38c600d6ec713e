"""Word normalisation for the ASR word error rate: the same words however they are written.

Whisper writes numbers as digits ("Set a timer for 5 minutes.", "6:30", "50%"), the
references are written as said ("five minutes", "six thirty", "fifty percent"). Both
sides go through :func:`normalize`: :func:`bench.metrics.words` (lower case, no
punctuation, contractions expanded), then digits spelled out, British spellings made
American, a few spoken variants made one ("okay"/"ok", "mum"/"mom", "todo"/"to do"), the
prefix "re" joined to its word ("re-record", "rerecord").
"""

from __future__ import annotations

import re

from bench.metrics import edit_distance, words

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$")

_SPELLING = {
    "colour": "color",
    "favourite": "favorite",
    "kilometres": "kilometers",
    "kilometre": "kilometer",
    "centimetres": "centimeters",
    "centimetre": "centimeter",
    "metres": "meters",
    "metre": "meter",
    "litres": "liters",
    "litre": "liter",
    "grey": "gray",
    "mum": "mom",
    "ok": "okay",
    "todo": "to do",
    "todos": "to dos",
    "percent": "percent",
    "per": "per",
    "cent": "cent",
    "mister": "mr",
    "re": "re",
    "mailbox": "mail box",
    "goodbye": "good bye",
    "lightbulb": "light bulb",
}


def number_words(n: int) -> str:
    """0 <= n < 1,000,000 in words, as said ("one hundred twenty five")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        return number_words(thousands) + " thousand" + ("" if rest == 0 else " " + number_words(rest))
    return str(n)


def _expand(token: str) -> str:
    if token.isdigit():
        return number_words(int(token))
    m = _ORDINAL_SUFFIX.match(token)
    if m:  # 1st -> first is rare in commands: spell the number, keep it comparable
        return number_words(int(m.group(1)))
    return _SPELLING.get(token, token)


def normalize(text: str) -> list[str]:
    text = text.replace("%", " percent ").replace("°", " degrees ").replace("&", " and ")
    # 6:30 -> 6 30, 7:00 -> 7 ; 3.5 -> 3 point 5 ; 1,000 -> 1000
    text = re.sub(r"(\d+):00\b", r"\1", text)
    text = re.sub(r"(\d+):(\d\d)", r"\1 \2", text)
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)
    text = re.sub(r"(\d)\.(\d)", r"\1 point \2", text)
    text = re.sub(r"\b([ap])\.\s?m\.", r"\1m", text, flags=re.IGNORECASE)
    text = re.sub(r"(\d)([a-zA-Z])", r"\1 \2", text)  # 5pm, 10km
    out: list[str] = []
    for w in words(text):
        if out and out[-1] == "re":  # "re-record", "re record" and "rerecord" are one word
            out[-1] += w
            continue
        out.extend(_expand(w).split())
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) on normalised words."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp), len(ref)
