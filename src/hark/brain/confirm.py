"""Pending confirmations, shared by the brains of one chain.

A dangerous action ("unlock the front door") is not run at once: the brain asks
"Do you really want to unlock the front door?" and parks the call here, keyed by
conversation id. The next turn decides: a yes runs it (with
``SkillContext.confirmed``), a no drops it, anything else drops it too. A
pending call also expires after ``ttl_s``.

One :class:`Confirmations` object is shared by the classic and the generative
brain, so whichever brain asked, the answer is understood by the brain that
asked it. Each entry records its ``brain``; the classic brain sits first in the
chain and should only answer a yes/no for its own entries, passing the turn on
(``Unhandled``) when the entry belongs to another brain (see :meth:`owner`).

:func:`parse_answer` is a deliberately small, deterministic yes/no reader for
brains without the intent library (the generative brain), so a confirmation
never depends on what a language model makes of "sure, go ahead".
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from typing import Literal

from ..nlu.types import ToolCall

CONFIRMATION_TTL_S = 30.0

_YES = frozenset(
    {
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "do it",
        "go ahead",
        "go for it",
        "please do",
        "confirm",
        "confirmed",
        "correct",
        "right",
        "absolutely",
        "of course",
        "affirmative",
        "i do",
        "yes i do",
    }
)
_NO = frozenset(
    {
        "no",
        "nope",
        "nah",
        "don't",
        "do not",
        "don't do it",
        "cancel",
        "never mind",
        "nevermind",
        "stop",
        "no thanks",
        "no thank you",
        "not now",
        "i don't",
        "negative",
    }
)
_POLITE = re.compile(r"\b(?:please|thanks|thank you|hark)\b")
_MAX_ANSWER_WORDS = 6


def parse_answer(text: str) -> Literal["yes", "no"] | None:
    """``"Yes, please do it."`` -> ``"yes"``; ``"no"``; ``None`` for anything that is not a short answer."""
    words = re.sub(r"[^\w' ]+", " ", text.lower().replace("’", "'"))
    words = re.sub(r"\s+", " ", _POLITE.sub(" ", words)).strip()
    if not words or len(words.split()) > _MAX_ANSWER_WORDS:
        return None
    if words in _YES:
        return "yes"
    if words in _NO:
        return "no"
    first, _, rest = words.partition(" ")
    if first in ("yes", "yeah", "yep", "sure", "okay", "ok") and (not rest or rest in _YES):
        return "yes"
    if first in ("no", "nope", "nah") and (not rest or rest in _NO):
        return "no"
    return None


@dataclasses.dataclass
class PendingConfirmation:
    """A tool call waiting for a yes. Field names match ClassicBrain's former ``_Pending``."""

    call: ToolCall
    intent: str
    question: str
    expires: float
    brain: str = "classic"
    """Which brain asked (its ``name``)."""


class Confirmations:
    """Pending confirmations by conversation id, at most one each (a new question replaces the old)."""

    def __init__(self, *, ttl_s: float = CONFIRMATION_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._pending: dict[str, PendingConfirmation] = {}

    def ask(self, conversation_id: str, call: ToolCall, question: str, *, intent: str, brain: str) -> None:
        """Park ``call`` until the next turn of ``conversation_id`` answers ``question``."""
        self._pending[conversation_id] = PendingConfirmation(call, intent, question, self.clock() + self.ttl_s, brain)

    def peek(self, conversation_id: str) -> PendingConfirmation | None:
        """The live pending call, left in place (an expired one is dropped)."""
        pending = self._pending.get(conversation_id)
        if pending is not None and pending.expires < self.clock():
            del self._pending[conversation_id]
            return None
        return pending

    def owner(self, conversation_id: str) -> str | None:
        """The ``brain`` that asked the live pending question, if any."""
        pending = self.peek(conversation_id)
        return pending.brain if pending else None

    def take(self, conversation_id: str) -> PendingConfirmation | None:
        """Remove and return the live pending call (None if there is none or it expired)."""
        pending = self.peek(conversation_id)
        self._pending.pop(conversation_id, None)
        return pending

    def discard(self, conversation_id: str) -> None:
        self._pending.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._pending)
