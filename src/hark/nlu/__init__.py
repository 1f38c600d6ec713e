"""Natural-language understanding for the classic brain: text -> intent -> tool call.

Usage::

    recognizer = IntentRecognizer(language=settings.classic.language,
                                  extra_sentences_dir=settings.classic.sentences_dir or None)
    match = recognizer.recognize(text)            # IntentMatch | None (best reading, for the trace)
    action = to_tool_call(match, now) if match else None   # ToolCall | BrainCommand | None

or, better, trying the other readings of the same intent when the best one's slots do not parse::

    matches = recognizer.candidates(text)
    action = first_tool_call(matches, now)

``None`` at either step means "not for me": pass the request to the next brain.
"""

from .mapping import first_tool_call, to_tool_call
from .recognizer import IntentRecognizer
from .types import BrainCommand, IntentMatch, ToolCall

__all__ = ["BrainCommand", "IntentMatch", "IntentRecognizer", "ToolCall", "first_tool_call", "to_tool_call"]
