"""Cut streamed reply text into segments that can be spoken at once.

The first segment is cut early, at the first clause boundary once it holds
``first_clause_chars`` characters, so the first audio leaves before the rest of
the reply is known. Later segments are whole sentences (long ones are cut at
clauses), which sound better.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|No|Prof|Jr|Sr)\.$", re.IGNORECASE)
_LONG_SENTENCE = 220


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
            if _ABBREV.search(head) or (re.search(r"\d\.$", head) and self._buf[m.end() : m.end() + 1].isdigit()):
                continue
            return m.end()
        limit = self.first_clause_chars if self._emitted == 0 else _LONG_SENTENCE
        for m in _CLAUSE_END.finditer(self._buf):
            if m.start() >= limit:
                return m.end()
        return None
