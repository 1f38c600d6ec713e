"""Kids mode: the safety layer on a child's request and the model's reply, the child's persona
for "let's chat", and the parent's policy on tools (see each module)."""

from .classifier import LinearTextModel, TextClassifier, load_profanity_model
from .learned import LearnedLayer, load_learned_layer
from .persona import kids_persona
from .policy import KidsPolicy
from .safety import DEFAULT_THRESHOLD, ReplyScreen, SafetyCheck
from .verdict import CATEGORIES, OK, TOOL_CATEGORIES, Verdict

__all__ = [
    "CATEGORIES",
    "DEFAULT_THRESHOLD",
    "OK",
    "TOOL_CATEGORIES",
    "KidsPolicy",
    "LearnedLayer",
    "LinearTextModel",
    "ReplyScreen",
    "SafetyCheck",
    "TextClassifier",
    "Verdict",
    "kids_persona",
    "load_learned_layer",
    "load_profanity_model",
]
