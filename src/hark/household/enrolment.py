"""Teaching Hark a voice by speaking to it, on any device: "learn my voice" (or "learn Leo's
voice"), then a few sentences said after Hark.

* :class:`VoiceSkill` offers ``voice_enrol`` (start, for the person speaking or a member named)
  and ``voice_whoami`` ("who am I?": who Hark thinks is speaking, and how it knows).
* :class:`EnrolmentDesk` holds one enrolment per device: the sentences still to say and the
  recordings so far. Each following turn's speech goes to it (the session's per-turn
  identification hands it over) instead of being matched; after the last sentence the member's
  voice profile is updated (:meth:`Voiceprints.enrol`). An enrolment left alone expires.
* :class:`EnrolmentBrain` answers those turns (the next sentence to say, then "done"), whatever
  the words were, and "stop" or "cancel" ends the enrolment with nothing stored.

Each prompt is a question, so the device listens again without the wake word.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from ..audio.chunk import Int16Array
from ..brain.base import Brain, BrainRequest, Claiming, Intent, Preparing, ReplyPart, TextDelta
from ..errors import HarkError
from ..skills.base import SkillContext, SkillResult, Tool
from .people import People
from .voiceprints import Voiceprints

SENTENCES = (
    "the quick brown fox jumps over the lazy dog",
    "please turn on the kitchen lights at seven tonight",
    "my favourite colour is blue and I like sunny weekends",
    "set a timer for ten minutes and add milk to the shopping list",
)
TTL_S = 120.0
_STOP = re.compile(r"\b(stop|cancel|never ?mind|forget it|quit)\b", re.IGNORECASE)


@dataclasses.dataclass
class Pending:
    member_id: str
    name: str
    started: float
    recordings: list[Int16Array] = dataclasses.field(default_factory=list)
    heard: bool = False
    """A recording came with the turn under way: its reply is the next sentence (or done)."""
    failed: str | None = None


class EnrolmentDesk:
    def __init__(self, voices: Voiceprints, *, clock: Callable[[], float] = time.monotonic, ttl_s: float = TTL_S):
        self.voices = voices
        self.clock = clock
        self.ttl_s = ttl_s
        self._pending: dict[tuple[str, str], Pending] = {}

    def start(self, household_id: str, device_id: str, member_id: str, name: str) -> str:
        self._pending[(household_id, device_id)] = Pending(member_id, name, self.clock())
        return f"Okay {name}, I'll learn your voice: say each sentence after me. First, could you say: {SENTENCES[0]}?"

    def pending(self, household_id: str, device_id: str) -> Pending | None:
        key = (household_id, device_id)
        found = self._pending.get(key)
        if found is not None and self.clock() - found.started > self.ttl_s:
            del self._pending[key]
            return None
        return found

    async def hear(self, household_id: str, device_id: str, speech: Int16Array) -> Pending | None:
        """This turn's speech, for the enrolment under way on the device (None: there is none)."""
        found = self.pending(household_id, device_id)
        if found is None:
            return None
        found.recordings.append(speech)
        found.heard = True
        found.started = self.clock()  # each sentence restarts the wait
        if len(found.recordings) >= len(SENTENCES):
            try:
                await self.voices.enrol(household_id, found.member_id, found.recordings)
            except HarkError as exc:
                found.failed = exc.message
        return found

    def reply(self, household_id: str, device_id: str, text: str) -> str | None:
        """What to say to a turn of the enrolment (None: not one; the brain answers as usual)."""
        key = (household_id, device_id)
        found = self.pending(household_id, device_id)
        if found is None:
            return None
        if len(text.split()) <= 4 and _STOP.search(text):  # "stop", "cancel that": not a sentence said after Hark
            del self._pending[key]
            return "Okay, I've stopped learning your voice; nothing was kept."
        if not found.heard:
            return None
        found.heard = False
        done = len(found.recordings)
        if done < len(SENTENCES):
            return f"Thanks. Next, could you say: {SENTENCES[done]}?"
        del self._pending[key]
        if found.failed is not None:
            return f"Sorry, I couldn't learn your voice: {found.failed}"
        return f"Thank you, {found.name}. I'll know your voice from now on."


class EnrolmentBrain:
    """Answers the turns of an enrolment under way on the device (see the module docstring)."""

    def __init__(self, inner: Brain, desk: EnrolmentDesk) -> None:
        self.inner = inner
        self.desk = desk
        self.name = inner.name

    def claims(self, request: BrainRequest) -> bool:
        return isinstance(self.inner, Claiming) and self.inner.claims(request)

    async def prepare(self, request: BrainRequest) -> None:
        if isinstance(self.inner, Preparing) and self.desk.pending(request.household_id, request.device_id) is None:
            await self.inner.prepare(request)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        line = self.desk.reply(request.household_id, request.device_id, request.text)
        if line is not None:
            yield Intent("VoiceEnrol", {})
            yield TextDelta(line)
            return
        async with contextlib.aclosing(self.inner.respond(request)) as parts:  # type: ignore[type-var]
            async for part in parts:
                yield part


_NAME = {"type": "string", "minLength": 1, "maxLength": 64}


class VoiceSkill:
    name = "voice"

    def __init__(self, people: People, desk: EnrolmentDesk) -> None:
        self.people = people
        self.desk = desk
        self._tools = (
            Tool(
                "voice_enrol",
                "Learn a household member's voice: they say a few sentences after Hark (whose: "
                "the name given, else the person speaking).",
                {"type": "object", "properties": {"name": _NAME}, "additionalProperties": False},
            ),
            Tool(
                "voice_whoami",
                "Who Hark thinks is speaking, and whether it knows from the voice.",
                {"type": "object", "properties": {}, "additionalProperties": False},
            ),
        )

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        who = ctx.who
        if tool == "voice_whoami":
            if who.member_id is None:
                return SkillResult("I don't know your voice yet. To teach me, say: learn my voice.")
            if who.identified_by == "voice":
                return SkillResult(f"You sound like {who.name}.", {"member_id": who.member_id, "by": "voice"})
            return SkillResult(
                f"I can't tell from your voice; this device answers as {who.name}.",
                {"member_id": who.member_id, "by": "device"},
            )
        name = arguments.get("name")
        if name:
            member = await self.people.member(ctx.household_id, str(name))
            if member is None:
                return SkillResult(
                    f"I don't know anyone called {name} in this home; add them on the admin page first.",
                    {"error": "no-member"},
                    ok=False,
                )
            member_id, member_name = member.id, member.name
        elif who.member_id is not None and who.name is not None:
            member_id, member_name = who.member_id, who.name
        else:
            return SkillResult("Whose voice should I learn? Say, for example: learn Ana's voice.", ok=False)
        speech = self.desk.start(ctx.household_id, ctx.device_id, member_id, member_name)
        return SkillResult(speech, {"member_id": member_id})


__all__ = ["SENTENCES", "EnrolmentBrain", "EnrolmentDesk", "VoiceSkill"]
