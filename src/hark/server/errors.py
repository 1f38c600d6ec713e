"""The server's error codes (stable: clients match on them) and the WebSocket close codes."""

from __future__ import annotations

from ..errors import HarkError

AUTH_REFUSED = "auth-refused"
"""The token is unknown or was revoked (also: no token at all)."""
HELLO_FIRST = "protocol-hello-first"
"""A control message other than ``hello`` came first."""
AUDIO_BEFORE_START = "protocol-audio-before-start"
"""A binary frame came before ``hello`` (fatal) or outside a run with audio (refused)."""
BAD_JSON = "protocol-bad-json"
BAD_MESSAGE = "protocol-bad-message"
"""Valid JSON, but not a message of this protocol (a missing or mistyped field)."""
UNKNOWN_TYPE = "protocol-unknown-type"
BAD_VERSION = "protocol-version"
BUSY = "protocol-busy"
"""``start`` while a run is under way, or ``audio-end`` with none."""
BAD_AUDIO = "protocol-bad-audio"
"""An audio frame that is not whole samples (odd length), or a WebM/Opus stream that does not decode."""
FRAME_TOO_LARGE = "protocol-frame-too-large"
HELLO_TIMEOUT = "protocol-hello-timeout"
SLOW_READER = "slow-reader"
"""The client does not read what is sent to it: its connection is dropped."""
AUDIO_OVERRUN = "audio-overrun"
"""Audio arrives faster than it is processed: frames were dropped."""
SHUTTING_DOWN = "server-shutting-down"
NOT_READY = "server-not-ready"

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL = 4400
CLOSE_AUTH = 4401
CLOSE_TIMEOUT = 4408
CLOSE_SLOW_READER = 4429
CLOSE_INTERNAL = 1011
CLOSE_UNAVAILABLE = 1013


class ProtocolError(HarkError):
    """A message or frame the protocol refuses; ``fatal``: the connection cannot go on."""

    code = BAD_MESSAGE

    def __init__(self, message: str, *, code: str | None = None, fatal: bool = False) -> None:
        super().__init__(message, code=code)
        self.fatal = fatal
