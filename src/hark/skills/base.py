"""Skills: what Hark can do, each exposed as typed tools.

A skill owns one domain (timers, lists, weather...) and offers one or more
:class:`Tool`, each with a JSON Schema for its arguments. The classic brain
maps a recognised intent to a tool call; the LLM (later) calls the very same
tools. A tool never speaks or plays audio: it returns a :class:`SkillResult`
with the sentence to say and structured data for a model.

Tools marked ``dangerous`` are only run with ``SkillContext.confirmed`` set:
the registry answers ``needs_confirmation`` instead and the brain asks the user
first. A skill whose danger depends on the target (a garage door is a cover, so
are blinds) returns ``needs_confirmation`` itself when ``ctx.confirmed`` is
False. A skill may offer ``describe(tool, arguments) -> str`` ("unlock the front
door") for the question.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from ..brain.person import NOBODY, Person
from ..errors import HarkError


class SkillError(HarkError):
    """A tool could not do what was asked; ``message`` is fit to be spoken."""

    code = "skill-failed"


class ToolArgumentError(SkillError):
    """The arguments do not match the tool's schema (a malformed call)."""

    code = "tool-arguments"


class ToolRefusedError(SkillError):
    """Not for this person (a child's tool, a memory a parent switched off, another household's
    smart home); the message is what to say."""

    code = "tool-refused"


class ServiceUnavailableError(SkillError):
    """A service the skill needs (weather API, Home Assistant, MQTT) cannot be reached."""

    code = "service-unavailable"


@dataclasses.dataclass(frozen=True, slots=True)
class Tool:
    name: str
    """Unique, snake_case: ``timer_start``."""
    description: str
    parameters: Mapping[str, Any]
    """JSON Schema of an object: ``{"type": "object", "properties": {...}, "required": [...]}``."""
    dangerous: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class SkillResult:
    speech: str
    """What to say, short and speakable."""
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Structured result (for a model, for tests)."""
    ok: bool = True
    needs_confirmation: str | None = None
    """Set (to the question to ask) when a dangerous tool was called without confirmation."""


@dataclasses.dataclass(frozen=True, slots=True)
class SkillContext:
    who: Person = NOBODY
    """Who the call runs for: every row a skill reads or writes is scoped to ``who.household_id``."""
    device_id: str = "local"
    language: str = "en"
    now: Callable[[], dt.datetime] = dataclasses.field(default=lambda: dt.datetime.now().astimezone())
    confirmed: bool = False

    @property
    def household_id(self) -> str:
        return self.who.household_id

    @property
    def profile(self) -> str:
        """Whose memory: the member's id, or the household's shared profile."""
        return self.who.profile

    @property
    def timezone(self) -> str | None:
        """The household's own time zone, when it has one (``now`` is already in it)."""
        return self.who.timezone


@runtime_checkable
class Skill(Protocol):
    name: str

    @property
    def tools(self) -> tuple[Tool, ...]: ...

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult: ...


@runtime_checkable
class DeviceControl(Protocol):
    """What skills may do to the device that is talking to Hark (its speaker, its player)."""

    device_id: str

    def get_volume(self) -> int:
        """0-100."""
        ...

    def set_volume(self, level: int) -> None: ...

    async def media(self, command: str) -> bool:
        """``pause``, ``resume``, ``stop``, ``next``, ``previous``; False if nothing is playing."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Announcement:
    """Something a device says on its own: a timer ringing (``repeat``), a reminder."""

    text: str
    chime: bool = True
    repeat: bool = False


@runtime_checkable
class Announcer(Protocol):
    """How a skill makes a device speak on its own (a timer ringing, a reminder due)."""

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        """Queue an announcement; ``key`` identifies it so :meth:`stop` can end a repeating one."""
        ...

    async def stop(self, device_id: str, key: str = "") -> bool:
        """Stop a ringing announcement (all of the device's if ``key`` is empty); True if one was stopped."""
        ...
