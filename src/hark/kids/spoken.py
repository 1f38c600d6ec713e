"""Spoken forms: what a speech recogniser writes for a child becomes the words the rules expect.

Runs on the already tokenised, lower-case words of :class:`~hark.kids.normalise.Normaliser`:

* fillers (``um``, ``uh``) and the wake word (``hey hark``) are dropped, and a word or two said
  twice in a row (``and then and then``) once;
* words an ASR splits are joined (``my self`` -> ``myself``, ``some one``, ``on line``, ``pass word``);
* contractions written without the apostrophe get it back (``dont`` -> ``don't``, ``im`` -> ``i'm``),
  and so do family possessives after a determiner (``my moms pills`` -> ``my mom's pills``);
* homophones the ASR picks in a telling context: ``by me a lego set`` -> ``buy``,
  ``wear does dad keep`` -> ``where``;
* number words become digits (``forty two`` -> ``42``, ``five five five`` -> ``5 5 5``), and a run
  of digits read out one by one (a phone or card number, not a count like ``1 2 3 4``) becomes one
  number, so the rules see ``42 maple street`` and ``5551234``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ..nlu.numbers.words import TENS_WORDS, UNIT_WORDS

FILLERS = frozenset({"um", "umm", "uhm", "uh", "uhh", "er", "erm", "hmm", "hm", "mm"})
WAKE = "hark"
GREETINGS = frozenset({"hey", "hi", "ok", "okay", "yo", "oh"})

JOINS: dict[tuple[str, str], str] = {
    ("my", "self"): "myself",
    ("your", "self"): "yourself",
    ("him", "self"): "himself",
    ("her", "self"): "herself",
    ("it", "self"): "itself",
    ("them", "self"): "themself",
    ("them", "selves"): "themselves",
    ("our", "selves"): "ourselves",
    ("your", "selves"): "yourselves",
    ("some", "one"): "someone",
    ("some", "body"): "somebody",
    ("any", "body"): "anybody",
    ("every", "body"): "everybody",
    ("to", "morrow"): "tomorrow",
    ("to", "night"): "tonight",
    ("to", "day"): "today",
    ("on", "line"): "online",
    ("you", "tube"): "youtube",
    ("face", "time"): "facetime",
    ("wi", "fi"): "wifi",
    ("e", "mail"): "email",
    ("pass", "word"): "password",
    ("pass", "words"): "passwords",
    ("pass", "code"): "passcode",
    ("dumb", "ass"): "dumbass",
    ("smart", "ass"): "smartass",
    ("jack", "ass"): "jackass",
    ("re", "order"): "reorder",
    ("check", "out"): "checkout",
}
"""Two words an ASR writes apart -> the one word the lists and rules know."""

CONTRACTIONS: dict[str, str] = {
    w.replace("'", ""): w
    for w in [
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "won't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "shouldn't",
        "wouldn't",
        "couldn't",
        "mustn't",
        "haven't",
        "hasn't",
        "hadn't",
        "i'm",
        "i've",
        "i'll",
        "you're",
        "you've",
        "you'll",
        "they're",
        "they've",
        "what's",
        "that's",
        "he's",
        "she's",
        "let's",
        "there's",
        "who's",
        "where's",
        "how's",
    ]
}
"""Contractions spoken to an ASR come back without the apostrophe (``"dont"``); never ambiguous ones
(``its``, ``were``, ``id``, ``well``, ``shell``, ``hell``)."""

FAMILY = frozenset(
    [
        "mom",
        "mum",
        "dad",
        "mommy",
        "mummy",
        "daddy",
        "mama",
        "papa",
        "grandma",
        "grandpa",
        "granny",
        "grandad",
        "nana",
        "nan",
        "brother",
        "sister",
        "parent",
        "teacher",
        "friend",
        "uncle",
        "aunt",
        "auntie",
        "cousin",
        "neighbour",
        "neighbor",
        "babysitter",
    ]
)
DETERMINERS = frozenset({"my", "your", "his", "her", "our", "their", "the", "a"})
NOT_POSSESSED = frozenset(
    [
        "are",
        "were",
        "is",
        "was",
        "and",
        "or",
        "have",
        "had",
        "has",
        "say",
        "said",
        "says",
        "want",
        "wants",
        "like",
        "likes",
        "think",
        "thinks",
        "told",
        "tell",
        "tells",
        "do",
        "don't",
        "does",
        "can",
        "can't",
        "will",
        "won't",
        "keep",
        "keeps",
        "let",
        "lets",
        "make",
        "makes",
        "at",
        "in",
        "on",
        "to",
        "with",
        "from",
        "who",
        "that",
        ".",
        ",",
        "got",
        "get",
        "gets",
        "went",
        "go",
        "goes",
        "came",
        "come",
        "comes",
        "play",
        "plays",
        "live",
        "lives",
        "love",
        "loves",
    ]
)
"""After ``my moms`` one of these means a plural or a verb follows (``my friends are``), not a possession."""

BUY_BEFORE = frozenset({"please", "you", "to", "and", "wanna", "gonna", "let's", "lets", "can", "i'll", "go", "just"})
BUY_AFTER = frozenset({"me", "us", "a", "an", "some", "more", "it", "that", "this", "those", "these", "my", "another"})
WHERE_AFTER = frozenset({"is", "are", "does", "do", "did", "can", "could", "would", "should"})
WHERE_NOT_BEFORE = frozenset({"to", "i", "you", "we", "should", "can", "will", "gonna", "wanna", "what", "they", "not"})

UNITS = {w: v for w, v in UNIT_WORDS.items() if w not in ("oh", "nought")}
"""Number words below twenty (the recogniser's, without "oh" and "nought": in a child's words those
are rarely numbers)."""
TENS = TENS_WORDS
LONE_WORDS = frozenset({"one"})
"""Number words left alone when not next to another number (``no one``, ``this one``, ``one day``)."""
DIGIT_RUN = 7
"""Digits read out one by one, at least this many in a row (commas between allowed): one number."""


def _number_at(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """(value, words used) of the number starting at ``words[i]``: ``forty two``, ``three hundred and six``."""
    n = len(words)

    def below_hundred(j: int) -> tuple[int, int] | None:
        if j < n and words[j] in TENS:
            if j + 1 < n and words[j + 1] in UNITS and 0 < UNITS[words[j + 1]] < 10:
                return TENS[words[j]] + UNITS[words[j + 1]], 2
            return TENS[words[j]], 1
        if j < n and words[j] in UNITS:
            return UNITS[words[j]], 1
        return None

    first = below_hundred(i)
    if first is None:
        return None
    value, used = first
    if value < 10 and i + used < n and words[i + used] == "hundred":
        value *= 100
        used += 1
        j = i + used + (1 if i + used < n and words[i + used] == "and" else 0)
        rest = below_hundred(j)
        if rest is not None:
            value += rest[0]
            used = j - i + rest[1]
    if i + used < n and words[i + used] == "thousand":
        value *= 1000
        used += 1
        j = i + used + (1 if i + used < n and words[i + used] == "and" else 0)
        rest = _number_at(words, j)
        if rest is not None and rest[0] < 1000:
            value += rest[0]
            used = j - i + rest[1]
    return value, used


def numbers(words: list[str]) -> list[str]:
    """Number words -> digits; a lone ``one`` stays a word."""
    out: list[str] = []
    i = 0
    while i < len(words):
        found = _number_at(words, i)
        if found is None:
            out.append(words[i])
            i += 1
            continue
        value, used = found
        alone = used == 1 and words[i] in LONE_WORDS
        nxt = words[i + used] if i + used < len(words) else ""
        prev = out[-1] if out else ""
        if alone and not (prev.isdigit() or nxt in UNITS or nxt in TENS):
            out.append(words[i])
        else:
            out.append(str(value))
        i += used
    return out


def _arithmetic(values: Sequence[int]) -> bool:
    steps = {b - a for a, b in itertools.pairwise(values)}
    return len(values) >= 3 and len(steps) == 1 and steps != {0}


def _counting(values: Sequence[int]) -> bool:
    """A count (``1 2 3 4``, ``10 20 30``, ``10 9 8``), perhaps after the number it counts to."""
    return _arithmetic(values) or _arithmetic(values[1:]) or _arithmetic(values[:-1])


def digit_runs(words: list[str]) -> list[str]:
    """A run of numbers read out (``5 5 5 1 2 3 4``, ``4 1 1 1 , 2 2 2 2``) with at least
    :data:`DIGIT_RUN` digits becomes one number, unless it counts (``1 2 3 ... 10``, ``10 20 30``)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if not words[i].isdigit():
            out.append(words[i])
            i += 1
            continue
        j = i
        run: list[str] = []
        while j < len(words) and (
            words[j].isdigit() or (words[j] == "," and j + 1 < len(words) and words[j + 1].isdigit())
        ):
            if words[j] != ",":
                run.append(words[j])
            j += 1
        if len(run) > 1 and sum(map(len, run)) >= DIGIT_RUN and not _counting([int(x) for x in run]):
            out.append("".join(run))
        else:
            out.extend(words[i:j])
        i = j
    return out


def spoken(words: list[str]) -> list[str]:
    """The normalised word list with ASR forms made plain (see the module docstring)."""
    kept: list[str] = []
    for w in words:
        if w in FILLERS:
            continue
        if w == WAKE:
            if kept and kept[-1] in GREETINGS:
                kept.pop()
            continue
        kept.append(CONTRACTIONS.get(w, w))
    joined: list[str] = []
    for w in kept:
        pair = (joined[-1], w) if joined else None
        if pair is not None and pair in JOINS:
            joined[-1] = JOINS[pair]
        else:
            joined.append(w)
    joined = numbers(joined)
    out: list[str] = []
    for i, w in enumerate(joined):
        prev = out[-1] if out else "."
        nxt = joined[i + 1] if i + 1 < len(joined) else "."
        if w == "by" and (prev in BUY_BEFORE or prev == ".") and (nxt in BUY_AFTER or nxt.isdigit()):
            w = "buy"
        elif w == "wear" and nxt in WHERE_AFTER and prev not in WHERE_NOT_BEFORE:
            w = "where"
        elif w.endswith("s") and w[:-1] in FAMILY and prev in DETERMINERS and nxt not in NOT_POSSESSED:
            w = f"{w[:-1]}'s"
        if out and w == out[-1] and w not in {".", ","} and not w.isdigit():
            continue  # "the the"
        out.append(w)
    return digit_runs(_no_repeated_pairs(out))


def _no_repeated_pairs(words: list[str]) -> list[str]:
    """``and then and then`` -> ``and then``."""
    out: list[str] = []
    for w in words:
        out.append(w)
        if len(out) >= 4 and out[-4:-2] == out[-2:] and not any(x.isdigit() or x in {".", ","} for x in out[-2:]):
            del out[-2:]
    return out
