"""The voice pipeline's stages: capture, recognition, reply (brain and speech), and the trace
of each turn. Device sessions (:mod:`hark.session`) run turns through them."""

from .respond import Reply
from .result import TurnResult
from .segmenter import Segmenter
from .trace import TurnTrace, format_trace

__all__ = ["Reply", "Segmenter", "TurnResult", "TurnTrace", "format_trace"]
