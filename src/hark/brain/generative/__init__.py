"""The generative brain: a language model with Hark's skills as tools (see :mod:`.brain`)."""

from .brain import GenerativeBrain
from .phrases import (
    CHAT_GOODBYE,
    CHAT_OPENER,
    DECLINED,
    FALLBACK_FAILED,
    FALLBACK_PREFIX,
    FILLER,
    LOST_THREAD,
    MAX_MODEL_CALLS,
    NO_ANSWER,
    REFUSAL,
    UNAVAILABLE,
)

__all__ = [
    "CHAT_GOODBYE",
    "CHAT_OPENER",
    "DECLINED",
    "FALLBACK_FAILED",
    "FALLBACK_PREFIX",
    "FILLER",
    "LOST_THREAD",
    "MAX_MODEL_CALLS",
    "NO_ANSWER",
    "REFUSAL",
    "UNAVAILABLE",
    "GenerativeBrain",
]
