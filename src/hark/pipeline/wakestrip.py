"""Remove the wake phrase from the start of a transcript.

The recogniser hears the pre-roll, so "Hey Jarvis, what time is it" arrives
whole; what the brain needs is "what time is it". Whisper spells names
loosely ("Okay, Naboo"), so words are compared with a similarity ratio.
"""

from __future__ import annotations

import difflib
import re

_WORD = re.compile(r"[\w']+")


def strip_wake_phrase(text: str, phrases: tuple[str, ...] | list[str]) -> str:
    words = [w.lower() for p in phrases for w in _WORD.findall(p.replace("_", " "))]
    if not words:
        return text.strip()
    pos = 0
    stripped_any = False
    while True:
        m = _WORD.search(text, pos)
        if m is None:
            break
        token = m.group(0).lower()
        if not any(difflib.SequenceMatcher(None, token, w).ratio() >= 0.7 for w in words):
            break
        pos = m.end()
        stripped_any = True
    if not stripped_any:
        return text.strip()
    rest = text[pos:].lstrip(" ,.!?;:-—")
    return rest[:1].upper() + rest[1:] if rest else ""
