"""Each household's own smart home: the smart-home tools routed by the request's household.

One Hark server runs many homes, and each home's lights are its own. The configured connection
(``[home_assistant]`` / ``[mqtt]`` in the config) belongs to the default household; any other
household connects its own Home Assistant (``hark household set ID --home-assistant URL
--home-assistant-token -``; the token is stored beside the URL and read only here).

:class:`SmartHomeRouter` is the one smart-home skill in the registry: every call (a classic
intent or a model's tool call) goes to the :class:`~hark.skills.smarthome.SmartHomeSkill` of
the request's household, never another's. A household with no smart home hears so
(:data:`NO_SMART_HOME`) and nothing is sent anywhere. Each household's client is made on its
first request and kept (its registry cached as the configured one's is); a changed URL or token
is picked up within ``recheck_s``, the old client closed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..brain.person import DEFAULT_HOUSEHOLD
from ..homeauto.homeassistant import HomeAssistantClient
from ..skills.base import SkillContext, SkillResult, Tool
from ..skills.smarthome import TOOLS, SmartHomeSkill
from .people import People

__all__ = ["NO_SMART_HOME", "HouseholdSmartHomes", "SmartHomeRouter"]

log = logging.getLogger(__name__)

NO_SMART_HOME = "There's no smart home connected to this household."

SkillFactory = Callable[[str, str], SmartHomeSkill]
"""(url, token) -> the skill over that Home Assistant."""


@dataclasses.dataclass(slots=True)
class _Held:
    connection: tuple[str, str] | None
    skill: SmartHomeSkill | None
    checked_at: float


class HouseholdSmartHomes:
    """Which smart home a household's requests drive.

    :param people: where a household's own connection is stored.
    :param configured: the config's smart home (the default household's), or None.
    :param timeout_s: each household's Home Assistant client's request timeout.
    :param recheck_s: how long a household's stored connection is trusted before it is read again.
    :param factory: builds a household's skill (tests may give their own).
    """

    def __init__(
        self,
        people: People,
        configured: SmartHomeSkill | None,
        *,
        timeout_s: float = 10.0,
        recheck_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        factory: SkillFactory | None = None,
    ) -> None:
        self.people = people
        self.configured = configured
        self.timeout_s = timeout_s
        self.recheck_s = recheck_s
        self._clock = clock
        self._factory = factory or self._home_assistant
        self._held: dict[str, _Held] = {}
        self._lock = asyncio.Lock()

    def _home_assistant(self, url: str, token: str) -> SmartHomeSkill:
        return SmartHomeSkill(HomeAssistantClient(url, token, timeout_s=self.timeout_s), None)

    async def for_household(self, household_id: str) -> SmartHomeSkill | None:
        """The household's smart home, or None when it has none."""
        if household_id == DEFAULT_HOUSEHOLD:
            return self.configured
        async with self._lock:  # one client per household, even when two requests arrive together
            held = self._held.get(household_id)
            now = self._clock()
            if held is not None and now - held.checked_at < self.recheck_s:
                return held.skill
            connection = await self.people.smart_home_connection(household_id)
            if held is not None and held.connection == connection:
                held.checked_at = now
                return held.skill
            if held is not None and held.skill is not None:
                await held.skill.close()  # the URL or token changed: the old client goes
            skill = self._factory(*connection) if connection is not None else None
            self._held[household_id] = _Held(connection, skill, now)
            return skill

    async def close(self) -> None:
        """Close every household's client (not the configured one: its owner closes it)."""
        held, self._held = list(self._held.values()), {}
        for h in held:
            if h.skill is not None:
                try:
                    await h.skill.close()
                except Exception:
                    log.exception("closing a household's smart home")


_DANGEROUS = frozenset(t.name for t in TOOLS if t.dangerous)
_ROUTED = tuple(dataclasses.replace(t, dangerous=False) for t in TOOLS)
"""The tools as the registry sees them: the router asks for confirmation itself, in the words of
the household's own home ("unlock the Front Door"), never another's."""


class SmartHomeRouter:
    """The smart-home skill of a server with many households (see the module docstring)."""

    name = "smarthome"

    def __init__(self, homes: HouseholdSmartHomes) -> None:
        self.homes = homes

    @property
    def tools(self) -> tuple[Tool, ...]:
        return _ROUTED

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        skill = await self.homes.for_household(ctx.household_id)
        if skill is None:
            return SkillResult(speech=NO_SMART_HOME, ok=False, data={"error": "no-smart-home"})
        if tool in _DANGEROUS and not ctx.confirmed:
            return SkillResult(
                speech="", ok=False, needs_confirmation=f"Do you really want to {skill.describe(tool, arguments)}?"
            )
        return await skill.call(tool, arguments, ctx)
