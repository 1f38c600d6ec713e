"""The classic brain: local intents to skill tools, answered in milliseconds.

Text is matched by the intent recogniser (hassil with the home-assistant-intents
library plus Hark's own templates), mapped to one tool call of the skill
registry, and the tool's spoken result is the reply. Nothing is guessed: an
utterance that matches nothing, or whose slots cannot be read, is passed on
(``Unhandled``) to the next brain of the chain.

Two bits of state live per conversation:

* a pending confirmation: a dangerous action ("unlock the front door") is not
  run until the user says yes in the next turn; anything else drops it;
* nothing else: timers and lists live in the database.

"Stop" / "cancel" / "never mind" stop whatever rings on the device.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol

from ..errors import HarkError
from ..nlu.mapping import names_a_device
from ..nlu.spoken import readings
from ..nlu.types import BrainCommand, ToolCall
from ..skills.base import ServiceUnavailableError, SkillContext, ToolArgumentError
from ..skills.registry import SkillRegistry
from ..skills.timers import duration_refusal
from ..store.errors import StorageError
from .base import Action, BrainRequest, Failure, Intent, ReplyPart, TextDelta, Unhandled
from .confirm import CONFIRMATION_TTL_S, Confirmations, PendingConfirmation

_NOT_SET_UP = {
    prefix: "No smart home is connected yet. Add Home Assistant or MQTT devices to Hark's config."
    for prefix in ("device", "light", "cover", "climate", "scene", "lock", "alarm")
}


@dataclasses.dataclass(frozen=True, slots=True)
class Understood:
    intent: str
    slots: Mapping[str, Any]
    action: ToolCall | BrainCommand | None
    """None: recognised, but nothing Hark can do with it (goes to the next brain)."""


class Understanding(Protocol):
    """Text -> what to do (implemented over hark.nlu)."""

    def understand(self, text: str, request: BrainRequest) -> Understood | None: ...


class ClassicBrain:
    name = "classic"

    def __init__(
        self,
        understanding: Understanding,
        registry: SkillRegistry,
        *,
        stop_ringing: Callable[[str], Awaitable[bool]] | None = None,
        confirm_dangerous: bool = True,
        clock: Callable[[], float] = time.monotonic,
        confirmations: Confirmations | None = None,
    ) -> None:
        self.understanding = understanding
        self.registry = registry
        self.stop_ringing = stop_ringing
        self.confirm_dangerous = confirm_dangerous
        self.clock = clock
        self.confirmations = (
            confirmations if confirmations is not None else Confirmations(ttl_s=CONFIRMATION_TTL_S, clock=clock)
        )
        """Shared with the generative brain: whichever brain asked gets the yes or no."""

    def claims(self, request: BrainRequest) -> bool:
        """The words map to an action here (a recognised intent with a tool or command)."""
        understood = self.understand(request)
        return understood is not None and (understood.action is not None or self._without_a_home(understood))

    def _without_a_home(self, understood: Understood) -> bool:
        """A device request ("lock the front door") while no smart home is connected: Hark says so
        rather than passing it on (with a home connected, a name it lacks goes to the next brain)."""
        return not self.registry.has("device_turn_on") and names_a_device(understood.intent, dict(understood.slots))

    def understand(self, request: BrainRequest) -> Understood | None:
        """The first reading of the words (:func:`hark.nlu.spoken.readings`: as heard, without
        fillers and politeness, the last clause) that maps to an action; else the first that names
        a device while no home is connected; else what the first recognised reading was (the trace)."""
        first: Understood | None = None
        device: Understood | None = None
        for text in readings(request.text):
            understood = self.understanding.understand(text, request)
            if understood is not None and understood.action is not None:
                return understood
            if understood is not None and device is None and self._without_a_home(understood):
                device = understood
            first = first or understood
        return device or first

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        conv = request.conversation.id
        understood = self.understand(request)
        action = understood.action if understood else None
        is_answer = isinstance(action, BrainCommand) and action.command in ("yes", "no")
        owner = self.confirmations.owner(conv)
        pending: PendingConfirmation | None
        if owner is not None and owner != self.name:  # another brain asked: its question, its answer
            if is_answer or understood is None or action is None:
                yield Unhandled("another brain's confirmation is pending")
                return
            self.confirmations.discard(conv)  # anything else drops the question
            pending = None
        else:
            pending = self.confirmations.take(conv)

        if pending is not None and isinstance(action, BrainCommand) and action.command in ("yes", "no"):
            if action.command == "no":
                yield Intent("Confirm", {"answer": "no"})
                yield TextDelta("Okay, I won't.")
                return
            yield Intent(pending.intent, {"confirmed": True})
            async for part in self._run(pending.call, pending.intent, request, confirmed=True):
                yield part
            return

        if understood is not None and action is None and self._without_a_home(understood):
            yield Intent(understood.intent, dict(understood.slots))
            yield TextDelta(_NOT_SET_UP["device"])
            return
        if understood is None or action is None:
            yield Unhandled("no intent matched" if understood is None else f"{understood.intent} has no tool")
            return
        yield Intent(understood.intent, dict(understood.slots))
        if isinstance(action, BrainCommand):
            async for part in self._command(action, request):
                yield part
            return
        async for part in self._run(action, understood.intent, request, confirmed=not self.confirm_dangerous):
            yield part

    async def _command(self, command: BrainCommand, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        if command.command == "stop":
            stopped = await self.stop_ringing(request.device_id) if self.stop_ringing else False
            yield Action("stop", {"stopped_ringing": stopped})
            yield TextDelta("Okay." if not stopped else "Stopped.")
        else:  # a yes or no with nothing to confirm
            yield TextDelta("There's nothing to confirm right now.")

    async def _run(
        self, call: ToolCall, intent: str, request: BrainRequest, *, confirmed: bool
    ) -> AsyncIterator[ReplyPart]:
        ctx = SkillContext(
            who=request.who,
            device_id=request.device_id,
            language=request.language,
            now=request.now,
            confirmed=confirmed,
        )
        if not self.registry.has(call.tool):
            yield TextDelta(_NOT_SET_UP.get(call.tool.split("_")[0], "I can't do that here yet."))
            return
        refusal = duration_refusal(call.arguments["duration_s"]) if call.tool == "timer_start" else None
        if refusal:  # say why, rather than the schema's technical message
            yield TextDelta(refusal)
            return
        try:
            result = await self.registry.call(call.tool, call.arguments, ctx)
        except ToolArgumentError as exc:  # the schema's wording is for a model; a person hears what was unusable
            yield TextDelta(argument_refusal(str(exc)))
            return
        except HarkError as exc:  # skill refusals, unreachable services, storage failures: all spoken
            yield TextDelta(exc.message if exc.code != "storage-failed" else "Sorry, I couldn't save that.")
            if isinstance(exc, StorageError | ServiceUnavailableError):  # Hark's failure, not a refusal
                yield Failure(exc.code, str(exc))
            return
        if result.needs_confirmation:
            self.confirmations.ask(
                request.conversation.id, call, result.needs_confirmation, intent=intent, brain=self.name
            )
            yield TextDelta(result.needs_confirmation)
            return
        if result.ok:
            yield Action(call.tool, dict(call.arguments))
        yield TextDelta(result.speech)


def argument_refusal(reason: str) -> str:
    """A spoken refusal for a :class:`ToolArgumentError`: "arguments.time: '25:00' does not match..."
    becomes "Sorry, I couldn't use that time."."""
    m = re.match(r"arguments\.([a-z_]+)", reason)
    if m is None:
        return "Sorry, I couldn't do that."
    name = re.sub(r"_(s|ms|id)$", "", m.group(1)).replace("_", " ")
    return f"Sorry, I couldn't use that {name}."
