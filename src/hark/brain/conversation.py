"""A conversation: the turns of one session, oldest first."""

from __future__ import annotations

import dataclasses
import time
import uuid


@dataclasses.dataclass(frozen=True, slots=True)
class Turn:
    user: str
    assistant: str
    brain: str
    intent: str | None
    t: float


@dataclasses.dataclass
class Conversation:
    id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:12])
    turns: list[Turn] = dataclasses.field(default_factory=list)
    max_turns: int = 50
    chatting: bool = False
    """"Let's chat": every reply is followed by listening without the wake word, until stopped.
    Kept here, with the conversation it belongs to, and nowhere else."""

    def add(self, user: str, assistant: str, brain: str, intent: str | None = None) -> Turn:
        turn = Turn(user, assistant, brain, intent, time.time())
        self.turns.append(turn)
        del self.turns[: -self.max_turns]
        return turn
