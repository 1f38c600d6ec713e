"""Cut streamed reply text into segments that can be spoken at once.

The first segment is cut early, so the first audio leaves before the rest of the
reply is known: at the end of the first sentence, or once it holds
``first_clause_chars`` characters at a clause mark (``,;:—``) or before a word
that opens a clause ("and", "because", "which" ...), where a speaker could pause
too; failing all that, once it reaches twice ``first_clause_chars``, before the
last phrase-opening word ("with", "for", "in" ...) or else at a word boundary
(the embedded model writes ~70 tokens a second: every 20 characters waited for
cost ~70 ms). Synthesis time grows with the text, so a short first
segment also synthesises sooner. Later segments are whole sentences (long ones
are cut at clauses), which sound better.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|Prof|Jr|Sr)\.$", re.IGNORECASE)
_NUMBER_ABBREV = re.compile(r"\bNo\.$")
""""No. 5" is an abbreviation; "the answer is no." ends a sentence."""
_LONG_SENTENCE = 220
_CLAUSE_WORD = re.compile(
    r"\s+(?=(?:and|but|or|so|because|which|who|whose|where|when|while|although|though|since|unless|until|whereas"
    r"|if|then)\b\W)",
    re.IGNORECASE,
)
_WORD_GAP = re.compile(r"\s+(?=\S)")
_PHRASE_WORD = re.compile(
    r"\s+(?=(?:with|for|in|on|at|from|by|about|like|through|into|during|without|after|before)\b\W)",
    re.IGNORECASE,
)
"""Where a phrase starts: the best place for the hard cut ("creatures | with a unique...")."""
_HARD_CAP = 2
"""The first segment is cut at any word boundary past this many times ``first_clause_chars``."""


class Segmenter:
    def __init__(self, first_clause_chars: int = 24) -> None:
        self.first_clause_chars = first_clause_chars
        self._buf = ""
        self._emitted = 0

    def push(self, text: str) -> list[str]:
        self._buf += text
        out: list[str] = []
        while True:
            cut = self._find_cut()
            if cut is None:
                break
            seg, self._buf = self._buf[:cut].strip(), self._buf[cut:]
            if seg:
                out.append(seg)
                self._emitted += 1
        return out

    def flush(self) -> list[str]:
        seg, self._buf = self._buf.strip(), ""
        if seg:
            self._emitted += 1
            return [seg]
        return []

    def _find_cut(self) -> int | None:
        for m in _SENTENCE_END.finditer(self._buf):
            head = self._buf[: m.start()].rstrip("\"')]")
            following = self._buf[m.end() : m.end() + 1]
            if (
                _ABBREV.search(head)
                or (_NUMBER_ABBREV.search(head) and following.isdigit())
                or (re.search(r"\d\.$", head) and following.isdigit())
            ):
                continue
            return m.end()
        first = self._emitted == 0
        limit = self.first_clause_chars if first else _LONG_SENTENCE
        for m in _CLAUSE_END.finditer(self._buf):
            if m.start() >= limit:
                return m.end()
        if not first:
            return None
        # the lookahead needs the character after the word, so a word still growing is never taken
        for m in _CLAUSE_WORD.finditer(self._buf):
            if m.start() >= limit:
                return m.end()
        cap = next((m for m in _WORD_GAP.finditer(self._buf) if m.start() >= limit * _HARD_CAP), None)
        if cap is None:
            return None
        phrases = [m for m in _PHRASE_WORD.finditer(self._buf) if limit <= m.start() <= cap.start()]
        return (phrases[-1] if phrases else cap).end()
