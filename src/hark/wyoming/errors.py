"""Stable error codes of Hark's Wyoming side (a peer matches on them) and the one error type.

Every refusal goes back to the peer as a Wyoming ``error`` event (``text``, ``code``); the
connection goes on unless the stream itself can no longer be read.
"""

from __future__ import annotations

from ..errors import HarkError

UNKNOWN_EVENT = "wyoming-unknown-event"
"""An event type Hark does not serve (said once per type and connection)."""
BAD_EVENT = "wyoming-bad-event"
"""A known event with missing or mistyped fields."""
BAD_FRAME = "wyoming-bad-frame"
"""The stream could not be read as Wyoming events (a header that is not JSON, a payload length
that does not match what follows): the connection is closed after this."""
AUDIO_BEFORE_START = "wyoming-audio-before-start"
"""``audio-chunk`` or ``audio-stop`` with no ``audio-start`` (or run-pipeline) before it."""
BAD_AUDIO = "wyoming-bad-audio"
"""A sample width, channel count or rate Hark cannot take, or a payload that is not whole frames."""
BUSY = "wyoming-busy"
"""A request while another one is under way on the same connection."""
NOT_READY = "wyoming-not-ready"
"""The engines are still loading (or are not loaded on this server)."""
SHUTTING_DOWN = "wyoming-shutting-down"
UNKNOWN_WAKE_WORD = "wyoming-unknown-wake-word"
BAD_PIPELINE = "wyoming-bad-pipeline"
"""A run-pipeline with stages Hark cannot run (e.g. ``intent`` only) or without what its start
stage needs (``tts`` without ``announce_text``)."""
AUDIO_OVERRUN = "wyoming-audio-overrun"
"""Audio arrives faster than it is heard: chunks were dropped."""
INTERNAL = "internal"


class WyomingError(HarkError):
    """A request the Wyoming side refuses; ``fatal``: the connection cannot go on."""

    code = BAD_EVENT

    def __init__(self, message: str, *, code: str | None = None, fatal: bool = False) -> None:
        super().__init__(message, code=code)
        self.fatal = fatal
