"""Who a request runs as: the household, the member (when known), and what that allows.

Travels with each :class:`~hark.brain.base.BrainRequest` (never on a shared object), so two
people speaking to the same server, or the same device, each get their own lists, memory and
rules. Built per turn by the household (:mod:`hark.household.people`) from the device, the
recognised voice and the household's plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Literal

from ..audio.chunk import Int16Array

DEFAULT_HOUSEHOLD = "default"
SHARED_PROFILE = "default"
"""The profile of a turn whose speaker is not known (the household's shared memory)."""

IdentifiedBy = Literal["voice", "device", "none"]
Plan = Literal["classic", "plus"]


@dataclasses.dataclass(frozen=True, slots=True)
class Person:
    household_id: str = DEFAULT_HOUSEHOLD
    member_id: str | None = None
    """None: nobody in particular (the device has no default member and no voice matched)."""
    name: str | None = None
    child: bool = False
    age: int | None = None
    kids_mode: bool = False
    """A child's turn, or any turn on a kids-mode device: the kids' persona and safety layer."""
    memory_allowed: bool = True
    """Long-term memory of what is said (a parent's choice for a child)."""
    smart_home_allowed: frozenset[str] = frozenset()
    """In kids mode: the smart-home domains a parent allowed (``light``...); empty: none."""
    plan: Plan = "plus"
    """The household's plan as this turn began (the plan gate decides the generative brain; this
    decides the plus-only tools such as memory)."""
    quiet_hours: str | None = None
    """A child's bedtime, local "HH:MM-HH:MM": only the clock, alarms and stopping things then."""
    chat_minutes_day: int | None = None
    """A child's daily chat allowance (minutes of conversation with the generative brain)."""
    tools_allowed: frozenset[str] | None = None
    """The tools a child may use; None: the kids' defaults."""
    explicit_filter: bool = False
    """Replies screened for explicit words (always in kids mode)."""
    location: str | None = None
    """The household's own location ("LAT, LON[, name]": its weather); None: the config's (the
    default household) or unknown."""
    timezone: str | None = None
    """The household's time zone (IANA name); None: the server's (``brain.timezone``, else the machine's)."""
    identified_by: IdentifiedBy = "none"
    voice_score: float | None = None

    @property
    def profile(self) -> str:
        """Whose memory and per-person data: the member's id, or the shared profile."""
        return self.member_id or SHARED_PROFILE


NOBODY = Person()
"""The default household's shared profile on the plus plan: a single-home install as before."""


Identify = Callable[[Int16Array | None], Awaitable[Person]]
"""Who a turn runs as, from its speech (None: a text turn, or no audio kept)."""
