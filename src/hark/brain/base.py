"""The brain interface: text and conversation in, a stream of reply parts out.

A brain yields, in order:

* optionally one :class:`Intent` (what it understood; classic brains do),
* :class:`TextDelta` pieces of the spoken reply as soon as each is known
  (an LLM streams tokens; a classic skill yields one sentence),
* :class:`Action` records of what it did (a timer set, a light switched),

or, as its very first part, :class:`Unhandled` to pass the request on to the
next brain of a :class:`~hark.brain.chain.BrainChain`. Brains never speak or
play audio themselves: the pipeline turns text into speech.

A brain may also offer ``prepare`` (:class:`Preparing`): the pipeline calls it
when it starts listening for a request (wake word, follow-up, barge-in), with
the words still unknown (``text == ""``), and again with the likely words when
a pause was decoded before the end of the turn is certain. Work that does not
need the final words (an LLM evaluating its prompt) then happens while the
user speaks or while the end of the turn is decided, instead of after.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol, runtime_checkable

from .conversation import Conversation
from .person import NOBODY, Person


@dataclasses.dataclass(frozen=True, slots=True)
class BrainRequest:
    text: str
    conversation: Conversation
    language: str = "en"
    device_id: str = "local"
    who: Person = NOBODY
    """Who it runs as: the household (every row read or written belongs to it), the member
    (memory and lists are theirs), kids mode, the plan."""
    now: Callable[[], dt.datetime] = dataclasses.field(default=lambda: dt.datetime.now().astimezone())
    """The clock, injected so answers about time are testable."""

    @property
    def household_id(self) -> str:
        return self.who.household_id

    @property
    def profile(self) -> str:
        return self.who.profile


@dataclasses.dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class Intent:
    name: str
    slots: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Action:
    name: str
    arguments: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Unhandled:
    reason: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """A failure the brain handled (it fell back, or said sorry) that the turn still reports:
    the pipeline turns it into an ``error`` event, and the turn is not ``ok``."""

    code: str
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Answered:
    """Which brain of a chain answers (the chain's first part): per-request, in the reply itself,
    never read back from the shared chain object afterwards."""

    brain: str


ReplyPart = TextDelta | Intent | Action | Unhandled | Failure | Answered


@runtime_checkable
class Brain(Protocol):
    name: str

    def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]: ...


@runtime_checkable
class Claiming(Protocol):
    def claims(self, request: BrainRequest) -> bool:
        """Whether this brain would answer ``request`` itself (cheap, no side effects): the
        chain then prepares no brain after it."""
        ...


@runtime_checkable
class Preparing(Protocol):
    async def prepare(self, request: BrainRequest) -> None:
        """Best-effort work ahead of ``request`` (``text`` empty or only likely); may be cancelled any time."""
        ...
