"""Values passed between the recogniser, the mapping and the classic brain."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

LIBRARY_SOURCE = "library"
"""``IntentMatch.source`` of a sentence from home-assistant-intents."""


@dataclasses.dataclass(frozen=True, slots=True)
class IntentMatch:
    """What the recogniser understood, kept for the trace ("which intent and slots matched")."""

    intent: str
    """Intent name: the library's (``HassStartTimer``) or Hark's own (``HarkAlarmSet``)."""
    slots: dict[str, Any]
    """Slot name to plain value (str, int, float, bool); wildcards are the words as said."""
    text: str
    """The text that was recognised."""
    source: str
    """``library``, ``hark:<file stem>`` for Hark's templates, ``extra:<file stem>`` for the user's."""
    sentence: str = ""
    """The sentence template that matched, for debugging."""


@dataclasses.dataclass(frozen=True, slots=True)
class ToolCall:
    """A call of one tool of TOOLS.md with arguments that follow its schema."""

    tool: str
    arguments: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class BrainCommand:
    """A command for the brain itself, not a tool: stop what is ringing, or answer a confirmation."""

    command: Literal["stop", "yes", "no"]
