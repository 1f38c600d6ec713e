"""What one turn produced: its trace, what was heard, the reply."""

from __future__ import annotations

import dataclasses

from ..engines.base import WakeDetection
from .respond import Reply
from .trace import TurnTrace


@dataclasses.dataclass
class TurnResult:
    trace: TurnTrace
    transcript: str | None
    reply: Reply | None
    wake: WakeDetection | None = None

    @property
    def ok(self) -> bool:
        return self.reply is not None and self.reply.ok
