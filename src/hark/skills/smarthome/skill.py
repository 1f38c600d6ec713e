"""The smart-home skill: one skill over Home Assistant and MQTT devices.

Decisions:

* **The registry is cached.** It is loaded on first use and reloaded when a
  name is not found and the cache is older than ``refresh_after_s`` (a device
  added since). A failed load never replaces the cache. When Home Assistant
  cannot be reached, MQTT devices still work; a name found nowhere then gives
  Home Assistant's error (it may be one of its devices) rather than "I
  couldn't find".
* **Errors** from the back ends are :class:`~hark.skills.base.SkillError`
  subclasses with a speakable message; they propagate, and the brain speaks them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...config import Settings
from ...homeauto.entities import PLURALS, Area, Entity, Home, Resolution
from ...homeauto.homeassistant import CONTROLLABLE, HomeAssistantClient
from ...homeauto.mqtt import MqttDevice, MqttDevices
from ...homeauto.phrases import ha_state, mqtt_state, targets
from ..base import ServiceUnavailableError, SkillContext, SkillResult, Tool, ToolArgumentError
from .plan import HaCall, _plan, _UnsupportedError, _verb
from .tools import _DOMAINS, _EVERY_KIND, TOOLS, _domain


class SmartHomeSkill:
    """The smart-home tools over Home Assistant and/or MQTT devices.

    ``default_area`` is the area of the device Hark listens on: "turn off the
    lights" then means the lights there. Call :meth:`close` when done.
    """

    name = "smarthome"

    def __init__(
        self,
        ha: HomeAssistantClient | None,
        mqtt: MqttDevices | None,
        *,
        default_area: str | None = None,
        refresh_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ha = ha
        self.mqtt = mqtt
        self.default_area = default_area
        self.refresh_after_s = refresh_after_s
        self._clock = clock
        self._home: Home | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def tools(self) -> tuple[Tool, ...]:
        return TOOLS

    async def close(self) -> None:
        if self.ha is not None:
            await self.ha.close()

    # -- the home's names ----------------------------------------------------------------------

    async def refresh(self) -> None:
        """Reload the registry now. Raises Home Assistant's error (and keeps the old cache) if it fails."""
        _, error = await self._load(force=True)
        if error is not None:
            raise error

    def entity_names(self) -> list[tuple[str, str | None, str]]:
        """``(name, area, domain)`` for every device known so far (empty before the first load)."""
        home = self._home or Home(self.mqtt.entities() if self.mqtt else [])
        return home.names()

    def areas(self) -> list[str]:
        home = self._home or Home(self.mqtt.entities() if self.mqtt else [])
        return [a.name for a in home.areas]

    async def _load(self, *, force: bool = False) -> tuple[Home, ServiceUnavailableError | None]:
        """A fresh snapshot (or the one a concurrent call just loaded); cached only if every back end answered."""
        async with self._lock:
            if self._home is not None and not force:
                return self._home, None
            entities: list[Entity] = []
            areas: list[Area] = []
            error: ServiceUnavailableError | None = None
            if self.ha is not None:
                try:
                    entities, areas = await self.ha.load_entities()
                except ServiceUnavailableError as exc:
                    error = exc
            ha_home = Home(entities, areas)
            for e in self.mqtt.entities() if self.mqtt else []:  # join MQTT areas to Home Assistant's by name
                same = ha_home.find_area(e.area.name) if e.area else None
                entities.append(e if same is None else _with_area(e, same))
            home = Home(entities, areas)
            if error is None:
                self._home, self._loaded_at = home, self._clock()
            return home, error

    async def _resolve(self, tool: str, arguments: Mapping[str, Any], domains: frozenset[str]) -> Resolution:
        name, area = arguments.get("name"), arguments.get("area")
        default_kind = _DOMAINS[tool][1]
        error: ServiceUnavailableError | None = None
        home = self._home
        if home is None:
            home, error = await self._load()
        res = home.resolve(name, area=area, domains=domains, default_area=self.default_area, default_kind=default_kind)
        if res.not_found and error is None and self._clock() - self._loaded_at > self.refresh_after_s:
            home, error = await self._load(force=True)
            res = home.resolve(
                name, area=area, domains=domains, default_area=self.default_area, default_kind=default_kind
            )
        if res.not_found and error is not None:
            raise error
        if res.unknown_name:  # a device of another kind? say so rather than "couldn't find"
            other = home.resolve(name, area=area, domains=CONTROLLABLE, default_area=self.default_area)
            if other.entities:
                return Resolution(error=f"I can't do that with {targets(other.entities)}.")
        return res

    # -- calls -----------------------------------------------------------------------------------

    def describe(self, tool: str, arguments: Mapping[str, Any]) -> str:
        """What a call would do, for a confirmation question: ``unlock the Front Door``."""
        what = f"the {arguments.get('name') or arguments.get('area') or 'device'}"
        if self._home is not None:
            domains = _DOMAINS.get(tool, (CONTROLLABLE, None))[0]
            res = self._home.resolve(
                arguments.get("name"),
                area=arguments.get("area"),
                domains=domains,
                default_area=self.default_area,
                default_kind=_DOMAINS.get(tool, (CONTROLLABLE, None))[1],
            )
            if res.entities:
                what = targets(res.entities)
        return f"{_verb(tool, arguments)} {what}"

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool not in _DOMAINS:
            raise ToolArgumentError(f"the smart home skill has no tool {tool!r}")
        domains = _DOMAINS[tool][0]
        every_kind = False
        if tool in ("device_turn_on", "device_turn_off"):
            if str(arguments.get("domain") or "").lower() in _EVERY_KIND:
                every_kind = True  # "turn off everything": every device that turns on and off
            elif arguments.get("domain"):
                asked = _domain(str(arguments["domain"]))
                if asked is None or asked not in domains:
                    return _fail(f"I can't turn {arguments['domain']} on or off.", "unsupported")
                domains = frozenset({asked})
            wide = arguments.get("floor") or arguments.get("everywhere") or every_kind
            if wide and not arguments.get("name"):
                res = await self._resolve_wide(tool, arguments, domains, every_kind)
                if res.error is not None:
                    return _fail(res.error, "not_found" if res.not_found else "ambiguous")
                return await self._act(tool, arguments, res.entities, ctx)
        res = await self._resolve(tool, arguments, domains)
        if res.error is not None:
            return _fail(res.error, "not_found" if res.not_found else "ambiguous")
        entities = res.entities
        if tool == "device_state":
            return await self._state(entities)
        return await self._act(tool, arguments, entities, ctx)

    async def _resolve_wide(
        self, tool: str, arguments: Mapping[str, Any], domains: frozenset[str], every_kind: bool
    ) -> Resolution:
        """Turning on/off beyond one device or one kind in one room: a floor, the whole home
        ("all the lights"), or every kind of device ("everything in the kitchen").

        Floors are not in the home's registry here, so a floor is only understood when an
        area has its name ("Upstairs"); otherwise nothing is done and the reply says why."""
        home, error = (self._home, None) if self._home is not None else await self._load()
        default_kind = None if every_kind else _DOMAINS[tool][1]
        if len(domains) == 1:
            default_kind = next(iter(domains))
        pool = [e for e in home.entities if e.domain in domains and (default_kind is None or e.domain == default_kind)]
        plural = PLURALS.get(default_kind, "devices") if default_kind else "devices"
        where: Area | None = None
        if floor := arguments.get("floor"):
            where = home.find_area(str(floor))
            if where is None:
                on = "" if str(floor).lower() in ("upstairs", "downstairs") else "on the "
                return Resolution(error=f"I don't know which rooms are {on}{floor} yet.", not_found=True)
        elif area := arguments.get("area"):
            where = home.find_area(str(area))
            if where is None:
                return Resolution(error=f"I don't know an area called {area}.", not_found=True)
        elif not arguments.get("everywhere"):  # "turn off everything": this room's
            where = home.find_area(self.default_area) if self.default_area else None
            if where is None:
                return Resolution(error=f"Which room? Or say all the {plural} in the house.")
        hits = [e for e in pool if where is None or e.area == where]
        if not hits and error is not None:  # Home Assistant is down: its devices may be the ones meant
            raise error
        if not hits:
            place = f" in the {where.name}" if where is not None else ""
            return Resolution(error=f"There are no {plural}{place}.", not_found=True)
        return Resolution(entities=tuple(hits))

    async def _act(
        self, tool: str, arguments: Mapping[str, Any], entities: Sequence[Entity], ctx: SkillContext
    ) -> SkillResult:
        try:
            ha_call, mqtt_message, speech, dangerous = _plan(tool, arguments, entities)
            ha_calls, messages = self._build(entities, ha_call, mqtt_message)
        except _UnsupportedError as exc:
            return _fail(str(exc), "unsupported")
        if dangerous and not ctx.confirmed:
            question = f"Do you really want to {_verb(tool, arguments)} {targets(entities)}?"
            return SkillResult(speech="", ok=False, needs_confirmation=question, data=_data(tool, entities))
        for domain, service, data in ha_calls:
            assert self.ha is not None
            await self.ha.call_service(domain, service, data)
        if messages:
            assert self.mqtt is not None
            await self.mqtt.publish_many(messages)
        return SkillResult(speech=speech, data=_data(tool, entities))

    def _build(
        self,
        entities: Sequence[Entity],
        ha_call: Callable[[Entity], HaCall],
        mqtt_message: Callable[[MqttDevice], tuple[str, str]],
    ) -> tuple[list[HaCall], list[tuple[str, str]]]:
        """Every service call (one per domain/service/data, listing its entities) and MQTT message."""
        groups: dict[tuple[str, str, str], list[str]] = {}
        messages: list[tuple[str, str]] = []
        for e in entities:
            if e.source == "mqtt":
                assert self.mqtt is not None
                messages.append(mqtt_message(self.mqtt.device(e.entity_id)))
            else:
                domain, service, data = ha_call(e)
                groups.setdefault((domain, service, json.dumps(data, sort_keys=True)), []).append(e.entity_id)
        calls = [
            (domain, service, {"entity_id": ids[0] if len(ids) == 1 else ids, **json.loads(data)})
            for (domain, service, data), ids in groups.items()
        ]
        return calls, messages

    async def _state(self, entities: Sequence[Entity]) -> SkillResult:
        sentences = []
        states: dict[str, Any] = {}
        for e in entities:
            if e.source == "mqtt":
                assert self.mqtt is not None
                device = self.mqtt.device(e.entity_id)
                payload = await self.mqtt.read_state(device)
                states[e.entity_id] = payload
                sentences.append(mqtt_state(e, payload, device.all_payloads))
            else:
                assert self.ha is not None
                state = await self.ha.state(e.entity_id)
                states[e.entity_id] = state.get("state") if state else None
                sentences.append(ha_state(e, state))
        return SkillResult(speech=" ".join(sentences), data={"states": states})


def _with_area(entity: Entity, area: Area) -> Entity:
    return dataclasses.replace(entity, area=area)


def _data(tool: str, entities: Sequence[Entity]) -> dict[str, Any]:
    return {"tool": tool, "entities": [e.entity_id for e in entities], "names": [e.name for e in entities]}


def _fail(speech: str, reason: str) -> SkillResult:
    return SkillResult(speech=speech, ok=False, data={"error": reason})


def build_smarthome(settings: Settings, *, default_area: str | None = None) -> SmartHomeSkill | None:
    """The skill from settings, or None when neither Home Assistant nor MQTT is configured.

    Reads the MQTT devices file (a bad file is a :class:`~hark.errors.ConfigError`). Nothing is
    contacted here; the registry loads on first use or on ``await skill.refresh()``.
    """
    ha = HomeAssistantClient.from_settings(settings.home_assistant)
    mqtt = MqttDevices.from_settings(settings.mqtt)
    if ha is None and mqtt is None:
        return None
    return SmartHomeSkill(ha, mqtt, default_area=default_area)
