"""Brains: what Hark understands and answers."""

from .base import Action, Answered, Brain, BrainRequest, Claiming, Intent, Preparing, ReplyPart, TextDelta, Unhandled
from .chain import BrainChain
from .clock import ClockBrain, NotYetBrain
from .conversation import Conversation, Turn

__all__ = [
    "Action",
    "Answered",
    "Brain",
    "BrainChain",
    "BrainRequest",
    "Claiming",
    "ClockBrain",
    "Conversation",
    "Intent",
    "NotYetBrain",
    "Preparing",
    "ReplyPart",
    "TextDelta",
    "Turn",
    "Unhandled",
]


def default_brain(timezone: str = "") -> BrainChain:
    return BrainChain([ClockBrain(timezone), NotYetBrain()])
