"""The voice protocol's messages (version 1): typed frozen dataclasses and their one codec.

Every JSON control message is a dataclass registered under its ``type``; :func:`encode`
turns one into a JSON-ready dict, :func:`decode` checks a received dict field by field
and builds the message (or raises :class:`~hark.server.errors.ProtocolError`), and
:func:`json_schema` describes them all (``protocol.schema.json`` is generated from it).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

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
_CLIENT: dict[str, type[Message]] = {}
_SERVER: dict[str, type[Message]] = {}


def _register(name: str, registry: dict[str, type[Message]], direction: str) -> Callable[[_M], _M]:
    def deco(cls: _M) -> _M:
        if name in registry:
            raise ValueError(f"message type {name!r} registered twice")
        cls.type = name
        cls.direction = direction
        registry[name] = cls
        return cls

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
    """The server is shutting down: the run under way finishes, then the socket closes."""

    reason: str = "shutdown"


ClientMessage = Hello | Start | AudioEnd | Stop | Playback


# -- codec ------------------------------------------------------------------------------------


def _enc(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _enc(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_enc(v) for v in value]
    return value


def encode(message: Message) -> dict[str, Any]:
    """Message -> JSON-ready dict, ``type`` first."""
    out: dict[str, Any] = {"type": message.type}
    for f in dataclasses.fields(message):
        out[f.name] = _enc(getattr(message, f.name))
    return out


def _check(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _check(arg, value, where)
            except ProtocolError as exc:
                errors.append(exc.message)
        raise ProtocolError(errors[0] if errors else f"{where}: must not be null", code=BAD_MESSAGE)
    if origin is Literal:
        if value not in get_args(tp):
            choices = ", ".join(repr(a) for a in get_args(tp))
            raise ProtocolError(f"{where}: {value!r} is not one of {choices}", code=BAD_MESSAGE)
        return value
    if origin is dict:
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: an object is needed", code=BAD_MESSAGE)
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ProtocolError(f"{where}: a list is needed", code=BAD_MESSAGE)
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: an object is needed", code=BAD_MESSAGE)
        return tp(**_fields(tp, value, where))
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - a field type this codec does not know is a bug here
        raise TypeError(f"unsupported field type {tp!r}")
    if not ok:
        raise ProtocolError(f"{where}: {tp.__name__} expected, got {type(value).__name__}", code=BAD_MESSAGE)
    return value


def _fields(cls: type, data: dict[str, Any], where: str, *, lenient: bool = False) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known - {"type"})
    if unknown and not lenient:
        raise ProtocolError(f"{where}: unknown field {unknown[0]!r}", code=BAD_MESSAGE)
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _check(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ProtocolError(f"{where}: {f.name!r} is missing", code=BAD_MESSAGE)
    return kwargs


def _decode(data: Any, registry: dict[str, type[Message]], *, lenient: bool = False) -> Message:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("a control message is a JSON object with a string 'type'", code=BAD_MESSAGE)
    cls = registry.get(data["type"])
    if cls is None:
        raise ProtocolError(f"unknown message type {data['type']!r}", code=UNKNOWN_TYPE)
    return cls(**_fields(cls, data, data["type"], lenient=lenient))


def decode(data: Any) -> Message:
    """A client's message (a parsed JSON value) -> its dataclass, checked. Raises ProtocolError."""
    return _decode(data, _CLIENT)


def decode_server(data: Any, *, lenient: bool = False) -> Message:
    """A server's message -> its dataclass (what :mod:`hark.client` reads). ``lenient``: fields
    this version does not know are ignored (a newer server of the same protocol version)."""
    return _decode(data, _SERVER, lenient=lenient)


def client_types() -> dict[str, type[Message]]:
    return dict(_CLIENT)


def server_types() -> dict[str, type[Message]]:
    return dict(_SERVER)
