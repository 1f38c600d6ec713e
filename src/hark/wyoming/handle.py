"""Hark's brain as a Wyoming conversation agent, the way Home Assistant calls one.

Home Assistant opens a connection per request and sends ``transcript{text, language,
context{conversation_id, device_id?, satellite_id?}}``. The reply is ``handled`` (or
``not-handled`` when nothing in Hark could answer, or the brain failed), preceded by
``handled-start`` / ``handled-chunk`` s as the reply text streams and followed by
``handled-stop`` (a client that does not stream stops reading at ``handled``).

The conversation goes on by ``conversation_id``: each id keeps one Hark device session (its
:class:`~hark.brain.conversation.Conversation`, chat mode included), at most ``max_kept`` of
them, each forgotten ``ttl_s`` after its last request.

When Hark has no smart home of its own, a request to control the home ("turn on the kitchen
light") belongs to Home Assistant: it goes back as an ``intent`` (the recogniser's intent name
and slots, Home Assistant's own vocabulary) and Home Assistant runs it.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import time
import uuid
from collections.abc import Callable
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.intent import Entity, Intent

from ..brain.clock import NotYetBrain
from ..engines.registry import Engines
from ..events import BrainText
from ..events import Event as HarkEvent
from ..household import Household
from ..nlu.spoken import readings
from ..session import open_device_session
from ..session.device import DeviceSession

HOME_CONTROL_INTENTS = frozenset(
    {
        "HassTurnOn",
        "HassTurnOff",
        "HassToggle",
        "HassLightSet",
        "HassClimateSetTemperature",
        "HassSetPosition",
        "HassOpen",
        "HassClose",
        "HassLock",
        "HassUnlock",
        "HassGetState",
        "HassFanSetSpeed",
    }
)
"""Home Assistant's own device intents: Home Assistant runs them when Hark has no home of its own."""
DEFAULT_DEVICE = "wyoming"


@dataclasses.dataclass
class _Kept:
    session: DeviceSession
    lock: asyncio.Lock
    used: float


class Conversations:
    """Device sessions by ``conversation_id``: bounded, least recently used first out, expiring."""

    def __init__(
        self,
        household: Household,
        *,
        max_kept: int = 256,
        ttl_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.household = household
        self.max_kept = max_kept
        self.ttl_s = ttl_s
        self.clock = clock
        self._kept: collections.OrderedDict[str, _Kept] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, conversation_id: str, device_id: str, engines: Engines) -> _Kept:
        now = self.clock()
        while self._kept:  # forget the expired (the oldest come first)
            oldest_id, oldest = next(iter(self._kept.items()))
            if now - oldest.used < self.ttl_s or oldest.lock.locked():
                break
            del self._kept[oldest_id]
        kept = self._kept.get(conversation_id)
        if kept is None or kept.session.device_id != device_id:
            session = open_device_session(self.household, engines, None, device_id=device_id)
            session.conversation.id = conversation_id
            kept = _Kept(session, asyncio.Lock(), now)
            self._kept[conversation_id] = kept
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
        kept.used = now
        self._kept.move_to_end(conversation_id)
        return kept


def home_intent(household: Household, text: str) -> Intent | None:
    """A home-control request Home Assistant should run, when Hark has no smart home; else None."""
    if household.smarthome is not None:
        return None
    for reading in readings(text):
        matches = household.recognizer.candidates(reading)
        if matches and matches[0].intent in HOME_CONTROL_INTENTS:
            best = matches[0]
            entities = [Entity(name=k, value=v) for k, v in best.slots.items() if not k.startswith("hark_")]
            return Intent(name=best.intent, entities=entities)
    return None


def _context(transcript: Transcript) -> tuple[str, str, dict[str, Any]]:
    context = transcript.context if isinstance(transcript.context, dict) else {}
    conversation_id = str(context.get("conversation_id") or uuid.uuid4().hex)
    device = context.get("satellite_id") or context.get("device_id") or DEFAULT_DEVICE
    return conversation_id, str(device), {"conversation_id": conversation_id}


async def handle(
    transcript: Transcript,
    household: Household,
    engines: Engines,
    conversations: Conversations,
    send: Callable[[Event], None],
) -> bool:
    """Answer one request; True if it was handled (by Hark, or passed on as an intent)."""
    text = (transcript.text or "").strip()
    conversation_id, device_id, context = _context(transcript)
    if not text:
        send(NotHandled(text="Nothing was said.", context=context).event())
        return False
    intent = home_intent(household, text)
    if intent is not None:
        intent.context = context
        send(intent.event())
        return True
    kept = conversations.get(conversation_id, device_id, engines)
    session = kept.session
    started = False

    def on_event(event: HarkEvent) -> None:
        nonlocal started
        if isinstance(event, BrainText):
            if not started:
                started = True
                send(HandledStart(context=context).event())
            send(HandledChunk(text=event.text).event())

    async with kept.lock:  # one request of a conversation at a time
        session.on_event = on_event
        try:
            result = await session.ask_text(text, None)
        finally:
            session.on_event = None
    reply = result.reply
    if not started:
        send(HandledStart(context=context).event())
    answered = reply is not None and reply.error is None and reply.brain != NotYetBrain.name
    spoken = reply.text if reply is not None else ""
    if answered:
        send(Handled(text=spoken, context=context).event())
    else:
        send(NotHandled(text=spoken, context=context).event())
    send(HandledStop().event())
    return answered
