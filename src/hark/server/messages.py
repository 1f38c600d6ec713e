"""The voice protocol's messages (version 1): typed frozen dataclasses and their one codec.

Every JSON control message is a dataclass registered under its ``type``; :func:`encode`
turns one into a JSON-ready dict, :func:`decode` checks a received dict field by field
and builds the message (or raises :class:`~hark.server.errors.ProtocolError`), and
:func:`json_schema` describes them all (``protocol.schema.json`` is generated from it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from ..codec import Codec, CodecError
from .errors import BAD_MESSAGE, UNKNOWN_TYPE, ProtocolError

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
"""The largest binary (audio) frame a client may send."""
MAX_TEXT_CHARS = 2000
"""The longest text request (``start`` with ``start_stage: brain``, ``POST /api/turn``)."""

StartStage = Literal["wake", "stt", "brain"]
EndStage = Literal["tts", "brain"]
AudioFormatName = Literal["pcm_s16le", "webm-opus"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    type: ClassVar[str] = "message"
    direction: ClassVar[str] = ""


_M = TypeVar("_M", bound=type[Message])
_CLIENT: Codec[Message] = Codec("client message")
_SERVER: Codec[Message] = Codec("server message")


def _register(name: str, codec: Codec[Message], direction: str) -> Callable[[_M], _M]:
    def deco(cls: _M) -> _M:
        cls.direction = direction
        return codec.register(name)(cls)

    return deco


def client(name: str) -> Callable[[_M], _M]:
    return _register(name, _CLIENT, "client")


def server(name: str) -> Callable[[_M], _M]:
    return _register(name, _SERVER, "server")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AudioFormat:
    """The audio a client sends: raw PCM (16 kHz, 16-bit, mono) or a browser's WebM/Opus."""

    format: AudioFormatName = "pcm_s16le"
    rate: int = 16000
    channels: int = 1


# -- client -> server -------------------------------------------------------------------------


@client("hello")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Hello(Message):
    """The first message of every connection: the protocol version and the device token."""

    protocol: int
    token: str
    client: str = ""
    ring_when_idle: bool = True
    """Play announcements (a timer ringing) between runs too; false for a client without a speaker."""


@client("start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Start(Message):
    """Begin a run at ``start_stage``: wake (hands-free), stt (one spoken turn) or brain (text)."""

    start_stage: StartStage
    end_stage: EndStage = "tts"
    audio: AudioFormat | None = None
    text: str | None = None


@client("audio-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AudioEnd(Message):
    """No more audio for this run (push-to-talk released, or the stream is over)."""


@client("stop")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Stop(Message):
    """Stop the current reply and anything ringing."""


@client("playback")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Playback(Message):
    """How far the device has played the current reply (informative; the server paces itself)."""

    played_s: float


# -- server -> client -------------------------------------------------------------------------


@server("ready")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Ready(Message):
    protocol: int
    session_id: str
    device_id: str
    device_name: str
    tts_rate: int


@server("event")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventMessage(Message):
    """One pipeline event, as :func:`hark.events.encode` writes it."""

    session_id: str
    event: dict[str, Any]


@server("audio-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AudioStart(Message):
    rate: int
    format: Literal["pcm_s16le"] = "pcm_s16le"
    channels: int = 1


@server("audio-stop")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AudioStop(Message):
    """The reply's audio is over (all of it was sent and, by the server's pacing, played)."""

    played_s: float


@server("audio-clear")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AudioClear(Message):
    """The reply was cut (barge-in, stop): drop what is queued and not played yet."""

    played_s: float


@server("turn")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TurnMessage(Message):
    """A turn is over: what was heard, what was answered, where the time went."""

    session_id: str
    run_id: str
    transcript: str | None
    reply: str | None
    ok: bool
    brain: str | None = None
    intent: str | None = None
    wake_word: str | None = None
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    timings_ms: dict[str, Any] = dataclasses.field(default_factory=dict)


@server("done")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Done(Message):
    """The run started by ``start`` is over; another may start."""

    session_id: str
    turns: int


@server("error")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ErrorMessage(Message):
    """A refused message or frame (``fatal``: the connection closes after it)."""

    code: str
    message: str
    fatal: bool = False


@server("bye")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Bye(Message):
    """The server is shutting down (``shutdown``: the run under way finishes, then the socket
    closes), or the device was revoked (``revoked``: the socket closes at once, code 4401)."""

    reason: str = "shutdown"


ClientMessage = Hello | Start | AudioEnd | Stop | Playback


# -- codec ------------------------------------------------------------------------------------


def encode(message: Message) -> dict[str, Any]:
    """Message -> JSON-ready dict, ``type`` first."""
    codec = _CLIENT if message.direction == "client" else _SERVER
    return codec.encode(message)


def _decode(codec: Codec[Message], data: Any, *, lenient: bool = False) -> Message:
    try:
        return codec.decode(data, lenient=lenient)
    except CodecError as exc:
        raise ProtocolError(str(exc), code=UNKNOWN_TYPE if exc.unknown_type else BAD_MESSAGE) from exc


def decode(data: Any) -> Message:
    """A client's message (a parsed JSON value) -> its dataclass, checked. Raises ProtocolError."""
    return _decode(_CLIENT, data)


def decode_server(data: Any, *, lenient: bool = False) -> Message:
    """A server's message -> its dataclass (what :mod:`hark.client` reads). ``lenient``: fields
    this version does not know are ignored (a newer server of the same protocol version)."""
    return _decode(_SERVER, data, lenient=lenient)


def client_types() -> dict[str, type[Message]]:
    return _CLIENT.types()


def server_types() -> dict[str, type[Message]]:
    return _SERVER.types()
