"""The state of one request across model calls, and what each call and tool produced."""

from __future__ import annotations

import dataclasses

from ...llm.base import Finished, ToolCallChunk, ToolResult
from ..base import Action
from ..honesty import Claim, ReplyGate
from ..speakable import Speakable


@dataclasses.dataclass
class TurnState:
    """State of one request across model calls."""

    start: float
    speak: Speakable = dataclasses.field(default_factory=Speakable)
    answered: bool = False
    """Words other than the filler are out (model text or the fallback notice)."""
    filler_said: bool = False
    tool_speech: list[str] = dataclasses.field(default_factory=list)
    """What the tools that ran said, for when the model fails after them."""
    gate: ReplyGate | None = None
    """The honesty check every piece of model text passes before it is spoken (None: off)."""
    said_at_tools: int = 0
    """How much the gate had let through when the last tools ran."""

    def release(self, text: str) -> str:
        """Model text (already speakable) -> what may be spoken now."""
        if self.gate is None or not text:
            return text
        return self.gate.push(text)

    def finish(self) -> str:
        """The model's text ended (or its tools ran): what was held, judged for good."""
        return self.gate.finish() if self.gate is not None else ""

    @property
    def blocked(self) -> Claim | None:
        return self.gate.blocked if self.gate is not None else None

    @property
    def said_anything(self) -> bool:
        return self.gate.said_anything if self.gate is not None else self.speak.said_anything


@dataclasses.dataclass
class CallResult:
    """What one model call produced."""

    text: list[str] = dataclasses.field(default_factory=list)
    tool_calls: list[ToolCallChunk] = dataclasses.field(default_factory=list)
    finished: Finished | None = None
    failure: str | None = None
    failure_code: str = "llm-failed"


@dataclasses.dataclass
class ToolOutcome:
    result: ToolResult
    action: Action | None = None
    question: str | None = None
    speech: str = ""
