"""The classic brain's understanding, over the intent recogniser (hassil)."""

from __future__ import annotations

from ..nlu import IntentRecognizer, first_tool_call
from .base import BrainRequest
from .classic import Understood


class IntentUnderstanding:
    """Recognise with every reading of the best intent, then map to a tool call.

    ``area``: the room of the device that is talking, so "turn on the lights"
    means this room's lights.
    """

    def __init__(self, recognizer: IntentRecognizer, *, area: str | None = None) -> None:
        self.recognizer = recognizer
        self.area = area

    def understand(self, text: str, request: BrainRequest) -> Understood | None:
        matches = self.recognizer.candidates(text, area=self.area)
        if not matches:
            return None
        action = first_tool_call(matches, request.now())
        best = matches[0]
        return Understood(best.intent, dict(best.slots), action)
