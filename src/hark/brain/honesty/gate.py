"""The streaming gate: model text is released where the segmenter could cut it, or held to its sentence end and judged."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .claims import (
    _ACK_ONLY,
    _ANY_VERB,
    _DONE,
    _FIRST_PERSON,
    _FOREIGN_WEEKDAY,
    _LEAD,
    _PRONOUN_STATE,
    _UNIT_WORD,
    Claim,
    _prompt_shingles,
    _prompt_words,
    backed,
    find_claim,
)
from .vocab import _ACK, _DOMAIN_NOUNS, _MONTH, _STRONG_ING, _STRONG_PAST, _WEAK_ING, _WEEKDAY, FIRST_CUT_CHARS, _words

# -- the reply: the streaming gate ---------------------------------------------------------------------------

_RISKY = re.compile(
    rf"\b(?:{_STRONG_PAST}|{_STRONG_ING}|{_ACK}|{_DONE}|ready|minutes?|seconds?|hours?)\b"
    r"|\b(?:is|are|'s|'re|be|been|now|back|all|turned|switched|it|them|they|that)\s+on\b|\bon\s+now\b"
    r"|\b(?:is|are|'s|'re|been|be)\s+(?:now\s+|all\s+)?(?:set|off|locked|unlocked|playing|paused|running|muted|done)\b"
    rf"|\b(?:{'|'.join(p for _, p in _DOMAIN_NOUNS)})\b"
    rf"|\d|\b(?:{_WEEKDAY}|{_MONTH}|today|tomorrow|yesterday|tonight|o'clock|am|pm|a\.m|p\.m|noon|midday|midnight"
    r"|half past|quarter past|quarter to|date)\b"
    r"|\b(?:it is|it's|its|is now|time is)\s+(?:about |around |exactly |almost |nearly |just )?"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"
    r"|\b(?:plus|minus|times|divided|multiplied|percent|per cent|equals?|squared|cubed|root|sum|total|result"
    r"|answer|convert\w*)\b"
    rf"|\b(?:{_UNIT_WORD}|{_FOREIGN_WEEKDAY})\b"
    r"|\b(?:context|user|utc|local time|remember\w*|forg[eo]t\w*|noted|memory)\b"
    r"|[+=×÷]"
)
"""Words that can take part in a claim, a made-up fact or a note read aloud: a piece of reply text
holding one waits for the end of its sentence."""
_RISKY_FIRST_PERSON = re.compile(rf"{_FIRST_PERSON} (?:{_ANY_VERB})\b")
_COMMAND_OPENING = (
    r"turn|switch|set|start|stop|pause|resume|add|remove|delete|lock|unlock|open|close|shut|dim|brighten|raise|lower"
    r"|increase|decrease|adjust|activate|deactivate|enable|disable|arm|disarm|schedule|mute|unmute|skip|play|preheat"
    r"|vacuum|snooze|dismiss|remind|wake|boost|crank|cancel|secure"
)
"""Verbs that open a command said back ("Start a timer for one hour."); not those that open a
statement as nouns too ("Water is made of...", "Records show...")."""
_RISKY_OPENING = re.compile(
    rf"{_LEAD}(?:(?:{_STRONG_ING}|{_WEAK_ING}|{_COMMAND_OPENING})\b|{_PRONOUN_STATE}|(?:{_DONE})\b)"
)
"""Claims that only a sentence's opening makes ("Playing jazz for you.", "It's on.", "Done.", a
command said back: "Start a timer for one hour.")."""
_OPEN_SUBJECT = re.compile(
    r"(?:^|\s)(?:i|we|i've|i'll|i'm|i'd|we've|we'll|we're|let me|it|it's|they|they're|that's|this|everything)"
    r"(?: (?:have|will|am|is|are|has|just|now|also|already|then|be|been|all))*\s*$"
)
"""A piece that ends on a subject whose verb is still to come ("... I've also"): its claim may follow."""


def risky(piece: str, *, before: str = "", prompts: Sequence[str] = ()) -> bool:
    """Whether ``piece`` (the part of a sentence after ``before``) may take part in a claim or a leak."""
    low = piece.lower().replace("’", "'")
    if _RISKY.search(low) or _RISKY_FIRST_PERSON.search(low):
        return True
    if _RISKY_OPENING.match((before.lower() + low).lstrip()):
        return True
    if _OPEN_SUBJECT.search(low):
        return True
    if prompts:
        words = _words(piece).split()
        shingles = _prompt_shingles(tuple(prompts), 3)
        if any(tuple(words[i : i + 3]) in shingles for i in range(len(words) - 2)):
            return True
        if len(words) >= 2 and f" {' '.join(words)} " in _prompt_words(tuple(prompts)):
            return True
    return False


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_ABBREV = re.compile(r"\b(?:mr|mrs|ms|dr|st|vs|etc|e\.g|i\.e|prof|jr|sr|no)\.$", re.I)
_CLAUSE = re.compile(r"[,;:—]\s+")
_BOUNDARY_WORD = re.compile(
    r"\s+(?:and|but|or|so|because|which|who|whose|where|when|while|although|though|since|unless|until|whereas|if"
    r"|then|with|for|in|at|from|by|about|like|through|into|during|without|after|before|of)(?=[^\w'’])\s*",
    re.I,
)


class ReplyGate:
    """Streamed reply text in, text safe to speak out (see the module docstring).

    :meth:`push` each piece of (speakable) model text and speak what it returns; :meth:`finish`
    when the model's text ends, or when the tools it called have run, decides what is held.
    After a blocked claim, :attr:`blocked` is set and nothing more comes out: the caller says
    something honest instead. Add the tools that ran to :attr:`ran` as they run.

    :param defer: the model may still call tools in this call (it was offered some): an
        unbacked claim ("I'll set a timer for you.") is then held, with everything after it,
        until :meth:`finish`, and judged again once the tools it called have run. Without
        tools it is blocked at once, and the model can be stopped.
    """

    def __init__(
        self, *, request: str = "", notes: Sequence[str] = (), prompts: Sequence[str] = (), defer: bool = False
    ) -> None:
        self.request = request
        self.notes = tuple(notes)
        self.prompts = tuple(prompts)
        self.defer = defer
        self.ran: set[str] = set()
        """Tools that ran successfully in this turn."""
        self.blocked: Claim | None = None
        self.leaks: list[str] = []
        """Sentences dropped because they repeated a note or the prompt."""
        self.released = ""
        """Everything let through so far."""
        self._held = ""  # text not judged yet
        self._sentence = ""  # the released part of the current sentence
        self._tainted = False  # the current sentence holds a risky piece: wait for its end
        self._pending = ""  # a sentence that only agrees ("Sure!"), said with the next one
        self._backlog: str | None = None  # from a deferred claim on, everything waits for finish()
        self._backlog_sentence = ""
        self._final = False

    @property
    def said_anything(self) -> bool:
        return bool(self.released.strip())

    def push(self, text: str) -> str:
        if self.blocked is not None or not text:
            return ""
        if self._backlog is not None:
            self._backlog += text
            return ""
        self._held += text
        out: list[str] = []
        while self.blocked is None and self._backlog is None:
            end = self._sentence_end(self._held)
            if end is not None:
                piece, self._held = self._held[:end], self._held[end:]
                out.append(self._judge(piece))
                continue
            if not self._tainted:
                out.append(self._release_safe())
            break
        return self._emit("".join(out))

    def finish(self) -> str:
        """The model's text has ended (for now): judge everything held, for good."""
        out = ""
        self._final = True
        try:
            if self._backlog is not None:
                backlog, self._backlog = self._backlog, None
                self._sentence = self._backlog_sentence
                out = self.push(backlog)
            piece, self._held = self._held, ""
            if self.blocked is None and piece.strip():
                out += self._emit(self._judge(piece))
            elif piece:
                out += self._emit(piece)
            if self.blocked is None:
                out += self._emit(self._pending)
        finally:
            self._final = False
            self._pending = self._held = ""
        return out

    # -- internals ---------------------------------------------------------------------------------------

    def _emit(self, text: str) -> str:
        self.released += text
        return text

    @staticmethod
    def _sentence_end(buf: str) -> int | None:
        for m in _SENTENCE_END.finditer(buf):
            if _ABBREV.search(buf[: m.start()].rstrip("\"')]")):
                continue
            return m.end()
        return None

    def _release_safe(self) -> str:
        """Release the held text up to its boundaries, piece by piece, while no piece is risky."""
        out: list[str] = []
        while True:
            cut = self._next_cut(self._held, len(self.released) + sum(map(len, out)))
            if cut is None:
                break
            piece = self._held[:cut]
            if risky(piece, before=self._sentence, prompts=self.prompts):
                self._tainted = True
                break
            out.append(piece)
            self._sentence += piece
            self._held = self._held[cut:]
        if out and self._pending:  # the agreeing sentence goes out before these words
            out.insert(0, self._pending)
            self._pending = ""
        return "".join(out)

    @staticmethod
    def _next_cut(buf: str, given: int) -> int | None:
        """Where the next piece of ``buf`` ends; ``given``: characters already let through.

        At a clause mark or after a clause or phrase word (with it, so the segmenter sees it), as
        the segmenter cuts; or, when the reply's text first reaches :data:`FIRST_CUT_CHARS`, after
        the first whole word beyond it, so the segmenter can make its hard cut of a long first clause
        (later segments are whole sentences: nothing is gained by letting words out earlier).
        """
        cuts = [m.end() for m in (_CLAUSE.search(buf), _BOUNDARY_WORD.search(buf)) if m is not None and m.start() > 0]
        if cuts:
            return min(cuts)
        if given < FIRST_CUT_CHARS < given + len(buf):  # the gap past the mark, and the whole word after it
            gaps = [m for m in re.finditer(r"\s+", buf) if m.start() > 0]
            first = next((i for i, m in enumerate(gaps) if given + m.start() >= FIRST_CUT_CHARS), None)
            if first is not None and first + 1 < len(gaps):
                return gaps[first + 1].start()
        return None

    def _judge(self, piece: str) -> str:
        before = self._sentence
        sentence = before + piece
        self._sentence, self._tainted = "", False
        claim = find_claim(sentence, request=self.request, notes=self.notes, prompts=self.prompts)
        if claim is None or backed(claim, self.ran):
            if not before and _ACK_ONLY.match(sentence.strip().lower()):
                self._pending += piece
                return ""
            out, self._pending = self._pending + piece, ""
            return out
        if claim.kind == "leak":
            self.leaks.append(sentence)
            return ""
        if self.defer and not self._final:  # the tools this call asks for may yet do it
            self._backlog, self._backlog_sentence = piece + self._held, before
            self._held = ""
            return ""
        self.blocked = claim
        self._held = self._pending = ""
        return ""
