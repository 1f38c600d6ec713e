"""The voice pipeline: stages, the loop, and the trace of each turn."""

from .assistant import Assistant, TurnResult
from .respond import Reply
from .segmenter import Segmenter
from .trace import TurnTrace, format_trace

__all__ = ["Assistant", "Reply", "Segmenter", "TurnResult", "TurnTrace", "format_trace"]
