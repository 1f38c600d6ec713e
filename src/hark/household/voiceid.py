"""Who is speaking: the household's enrolled voices matched against a turn's speech."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from ..audio.chunk import Int16Array


@dataclasses.dataclass(frozen=True, slots=True)
class VoiceMatch:
    member_id: str
    score: float
    """Cosine similarity with the member's enrolled voice."""


class VoiceId(Protocol):
    async def identify(self, household_id: str, speech: Int16Array) -> VoiceMatch | None:
        """The enrolled member of ``household_id`` whose voice this is; None when unsure."""
        ...

    async def enrol_wav(self, household_id: str, member_id: str, wav: bytes) -> object:
        """Add a recording (WAV bytes) of the member to their voice profile; the profile."""
        ...

    def forget(self, household_id: str, member_id: str) -> None:
        """The member's voice is no longer matched (their profile was removed)."""
        ...
