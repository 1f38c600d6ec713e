"""Remove the wake phrase from the start of a transcript.

The recogniser hears the pre-roll, so "Hey Jarvis, what time is it" arrives
whole; what the brain needs is "what time is it". Whisper spells names
loosely ("Okay, Naboo"), so words are compared with a similarity ratio.
"""

from __future__ import annotations

import difflib
import re

_WORD = re.compile(r"[\w']+")


def _similar(token: str, word: str) -> bool:
    return difflib.SequenceMatcher(None, token, word).ratio() >= 0.6


def strip_wake_phrase(text: str, phrases: tuple[str, ...] | list[str]) -> str:
    """Drop the leading words that are the wake phrase as heard.

    Every leading word that sounds like a phrase word goes; so do the few words
    before the phrase's last word ("A Jarvis", "H. Arvis": Whisper's spellings of
    "Hey Jarvis") when that word is found among the first ones.
    """
    phrase_words = [[w.lower() for w in _WORD.findall(p.replace("_", " "))] for p in phrases]
    phrase_words = [w for w in phrase_words if w]
    if not phrase_words:
        return text.strip()
    words = [w for ws in phrase_words for w in ws]
    tokens = list(_WORD.finditer(text))
    cut = 0
    # the phrase's last (most distinctive) word within its length plus one: strip through it
    for ws in phrase_words:
        for i, m in enumerate(tokens[: len(ws) + 1]):
            if _similar(m.group(0).lower(), ws[-1]):
                cut = max(cut, i + 1)
    # then any further leading words that sound like phrase words
    while cut < len(tokens) and any(_similar(tokens[cut].group(0).lower(), w) for w in words):
        cut += 1
    if cut == 0:
        return text.strip()
    rest = text[tokens[cut - 1].end() :].lstrip(" ,.!?;:-—")
    return rest[:1].upper() + rest[1:] if rest else ""
