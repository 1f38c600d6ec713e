"""The typed event model of a Hark run, and its one codec.

Every event is a frozen dataclass registered under a stable ``type`` string
(``stt-start``, ``tts-audio``...). ``encode``/``decode`` turn any event into a
JSON-ready dict and back; no event class writes its own serialisation.

Each event carries ``t``: a ``time.monotonic()`` timestamp taken when the event
happened. Stage events come in ``*-start``/``*-end`` pairs so a trace shows
where the time of a turn went.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, ClassVar

from .codec import Codec


class Stage(enum.StrEnum):
    WAKE = "wake"
    VAD = "vad"
    STT = "stt"
    BRAIN = "brain"
    TTS = "tts"
    PLAYBACK = "playback"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events. ``t`` is monotonic seconds."""

    type: ClassVar[str] = "event"
    t: float


EVENTS: Codec[Event] = Codec("event")
register = EVENTS.register


# -- run ------------------------------------------------------------------------------


@register("run-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunStart(Event):
    run_id: str
    start_stage: Stage
    end_stage: Stage


@register("run-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunEnd(Event):
    run_id: str
    ok: bool


@register("error")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent(Event):
    code: str
    message: str
    stage: Stage | None = None


# -- wake -----------------------------------------------------------------------------


@register("wake-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WakeStart(Event):
    wake_words: tuple[str, ...]


@register("wake-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WakeEnd(Event):
    wake_word: str
    phrase: str
    audio_t: float
    """Position of the detection in the input stream, seconds from its start."""


# -- vad / end of turn ------------------------------------------------------------------


@register("vad-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class VadStart(Event):
    """Speech began (audio time of its first voiced window)."""

    audio_t: float


@register("vad-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class VadEnd(Event):
    """End of turn decided. ``speech_end_audio_t``: end of the last voiced window."""

    speech_end_audio_t: float
    speech_end_t: float
    """Monotonic time at which the last voiced audio was captured."""
    reason: str
    """``smart-turn``, ``max-silence``, ``stream-end`` or ``max-length``."""
    turn_probability: float | None = None


# -- speech to text -----------------------------------------------------------------------


@register("stt-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SttStart(Event):
    engine: str


@register("stt-partial")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SttPartial(Event):
    text: str
    speculative: bool = False
    """Decoded at a pause and covering all speech so far: the likely final transcript."""


@register("stt-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SttEnd(Event):
    text: str
    speculative_hit: bool = False
    """True when the final transcript came from a decode started during a pause."""


# -- brain ----------------------------------------------------------------------------------


@register("brain-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrainStart(Event):
    text: str
    conversation_id: str


@register("brain-text")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrainText(Event):
    """A piece of reply text as the brain streams it."""

    text: str


@register("brain-action")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrainAction(Event):
    name: str
    arguments: str
    """JSON text of the arguments."""


@register("brain-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrainEnd(Event):
    text: str
    brain: str
    intent: str | None = None


# -- text to speech ----------------------------------------------------------------------------


@register("tts-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TtsStart(Event):
    engine: str
    voice: str


@register("tts-audio")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TtsAudio(Event):
    """One synthesised segment is ready (``index`` 0 is the first audio of the reply)."""

    index: int
    text: str
    seconds: float


@register("tts-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TtsEnd(Event):
    seconds: float
    segments: int


# -- playback ------------------------------------------------------------------------------------


@register("playback-start")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackStart(Event):
    sink: str


@register("playback-end")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEnd(Event):
    seconds_played: float
    interrupted: bool


@register("barge-in")
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BargeIn(Event):
    audio_t: float


# -- codec ------------------------------------------------------------------------------------------


def event_types() -> dict[str, type[Event]]:
    return EVENTS.types()


def encode(event: Event) -> dict[str, Any]:
    """Event -> JSON-ready dict with its ``type``."""
    return EVENTS.encode(event)


def decode(data: dict[str, Any]) -> Event:
    """Dict (as made by :func:`encode`) -> event, checked. Unknown types and bad fields raise
    :class:`~hark.codec.CodecError` (a ``ValueError``)."""
    return EVENTS.decode(data)
