"""What a child may have Hark do: the parent's policy on tools.

Tool names are Hark's (``TOOLS.md``; the memory tools of :mod:`hark.brain.memory`). Smart-home
permissions are Home Assistant domains as :mod:`hark.skills.smarthome.tools` uses them, plus
words for the dangerous half of some of them:

=========================  ==================================================================
permission                 allows
=========================  ==================================================================
``light``                  ``device_turn_on/off`` of lights, ``light_set``
``switch`` ``fan``         ``device_turn_on/off`` of switches and plugs, of fans
``input_boolean``          ``device_turn_on/off`` of helper toggles
``media_player``           ``device_turn_on/off`` of TVs and speakers
``cover``                  ``cover_set`` of blinds, shades, curtains (not garage doors and gates)
``garage``                 ``cover_set`` of garage doors and gates
``climate``                ``climate_set``, ``device_turn_on/off`` of thermostats
``scene``                  ``scene_activate``
``lock`` / ``unlock``      ``lock_set`` locking / unlocking
``alarm_control_panel``    ``alarm_panel_set`` arming; ``disarm``: disarming
``state``                  ``device_state`` (is the light on?)
=========================  ==================================================================

A call whose target's kind cannot be told from its arguments ("turn on the telly") is allowed
only when every kind ``device_turn_on/off`` could reach is; :meth:`KidsPolicy.allows_domain` is
the check for a skill that has resolved the entity.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from ..homeauto.entities import KIND_WORDS, tokens
from . import verdict as v
from .phrases import TOOL_SPEECH, request_speech
from .safety import SafetyCheck

LIGHT, SWITCH, FAN, COVER, CLIMATE, LOCK, SCENE = "light", "switch", "fan", "cover", "climate", "lock", "scene"
ALARM, MEDIA, HELPER = "alarm_control_panel", "media_player", "input_boolean"
GARAGE, UNLOCK, DISARM, STATE = "garage", "unlock", "disarm", "state"

SMART_HOME_PERMISSIONS = frozenset(
    {LIGHT, SWITCH, FAN, HELPER, MEDIA, COVER, GARAGE, CLIMATE, SCENE, LOCK, UNLOCK, ALARM, DISARM, STATE}
)
TURNABLE = frozenset({LIGHT, SWITCH, FAN, CLIMATE, HELPER, MEDIA})
"""What ``device_turn_on/off`` may reach (as :data:`hark.skills.smarthome.tools.TURNABLE`)."""

SMART_HOME_TOOLS = frozenset(
    {
        "device_turn_on",
        "device_turn_off",
        "light_set",
        "cover_set",
        "climate_set",
        "scene_activate",
        "lock_set",
        "alarm_panel_set",
        "device_state",
    }
)
MEMORY_TOOLS = frozenset({"memory_remember", "memory_forget", "memory_list"})

CHILD_TOOLS = frozenset(
    {
        "timer_start",
        "timer_cancel",
        "timer_status",
        "timer_pause",
        "timer_resume",
        "timer_adjust",
        "alarm_list",
        "reminder_list",
        "list_read",
        "time_now",
        "date_today",
        "weather_get",
        "calculate",
        "convert_units",
        "volume_set",
        "volume_change",
        "media_control",
    }
)
"""Tools a child may use unless the parent says otherwise: they change nothing of anyone else's."""

_PURCHASE_TOOL = re.compile(r"(?:^|_)(?:buy|purchase|order|checkout|pay|payment|shop|cart|subscribe|subscription)")
_EVERY_KIND = frozenset({"all", "any", "everything", "every device", "all devices"})
_SPOKEN_DOMAIN = {"lights": LIGHT, "switches": SWITCH, "fans": FAN, "tv": MEDIA, "television": MEDIA}


def _kind_of(spoken: str) -> tuple[str, str | None] | None:
    """(domain, cover group) a spoken name or domain argument names, if any ("kitchen lights" -> light)."""
    if spoken in SMART_HOME_PERMISSIONS:
        return spoken, None
    if spoken in _SPOKEN_DOMAIN:
        return _SPOKEN_DOMAIN[spoken], None
    words = tokens(spoken)
    found: tuple[str, str | None] | None = None
    for size in (2, 1):  # "garage door" before "door"
        for i in range(len(words) - size + 1):
            kind = KIND_WORDS.get(words[i : i + size])
            if kind is not None and (found is None or size == 2):
                return kind
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class KidsPolicy:
    """What a parent allows a child (or a kids-mode device).

    :param smart_home_allowed: permissions of :data:`SMART_HOME_PERMISSIONS` (e.g. ``{"light"}``).
    :param memory_allowed: whether Hark may remember facts the child tells it (never personal details).
    :param tools_allowed: the other tools the child may use (:data:`CHILD_TOOLS` by default).
    """

    smart_home_allowed: frozenset[str] = frozenset()
    memory_allowed: bool = False
    tools_allowed: frozenset[str] = CHILD_TOOLS

    def __post_init__(self) -> None:
        unknown = set(self.smart_home_allowed) - SMART_HOME_PERMISSIONS
        if unknown:
            raise ValueError(
                f"unknown smart-home permission(s) {sorted(unknown)}; use some of {sorted(SMART_HOME_PERMISSIONS)}"
            )

    @property
    def purchases(self) -> bool:
        """Never: no setting lets a child buy anything."""
        return False

    def allows_domain(self, domain: str, *, dangerous: bool = False) -> bool:
        """Whether a resolved entity's domain may be controlled (``dangerous``: unlock, disarm, open a garage)."""
        needed = {LOCK: UNLOCK, ALARM: DISARM, COVER: GARAGE}.get(domain, domain) if dangerous else domain
        return needed in self.smart_home_allowed

    def allows_tool(
        self, tool_name: str, arguments: Mapping[str, Any], *, safety: SafetyCheck | None = None
    ) -> Verdict:
        """Whether a child may run ``tool_name`` with ``arguments`` (OK), or why not and what to say.

        :param safety: when given, what ``memory_remember`` would store is checked too: personal
            details are never remembered, even when memory is allowed.
        """
        if _PURCHASE_TOOL.search(tool_name):
            return _refuse(v.PURCHASE, f"{tool_name}: no purchases in kids mode")
        if tool_name in SMART_HOME_TOOLS:
            needed = self._smart_home_needs(tool_name, arguments)
            missing = sorted(needed - self.smart_home_allowed)
            if missing:
                return _refuse(v.SMART_HOME, f"{tool_name}: needs {', '.join(missing)}")
            return v.OK
        if tool_name in MEMORY_TOOLS:
            return self._memory(tool_name, arguments, safety)
        if tool_name in self.tools_allowed:
            return v.OK
        return _refuse(v.NOT_ALLOWED, f"{tool_name}: not allowed in kids mode")

    def _memory(self, tool_name: str, arguments: Mapping[str, Any], safety: SafetyCheck | None) -> Verdict:
        if tool_name == "memory_forget":  # forgetting is always fine
            return v.OK
        if not self.memory_allowed:
            return _refuse(v.MEMORY, f"{tool_name}: memory is off for this child")
        if tool_name == "memory_remember" and safety is not None:
            verdict = safety.check_request(str(arguments.get("text", "")))
            if not verdict.ok:
                speech = request_speech(verdict.category or v.PERSONAL_INFO)
                return v.Verdict(
                    False, v.MEMORY, f"{tool_name}: {verdict.category}: {verdict.reason}", speech, "policy"
                )
        return v.OK

    def _smart_home_needs(self, tool_name: str, arguments: Mapping[str, Any]) -> set[str]:
        name = str(arguments.get("name") or "")
        if tool_name == "light_set":
            return {LIGHT}
        if tool_name == "climate_set":
            return {CLIMATE}
        if tool_name == "scene_activate":
            return {SCENE}
        if tool_name == "device_state":
            return {STATE}
        if tool_name == "lock_set":
            return {LOCK} if arguments.get("locked", True) else {LOCK, UNLOCK}
        if tool_name == "alarm_panel_set":
            return {ALARM} if arguments.get("armed", True) else {ALARM, DISARM}
        if tool_name == "cover_set":
            kind = _kind_of(name) if name else None
            return {COVER, GARAGE} if kind is not None and kind[1] == GARAGE else {COVER}
        # device_turn_on / device_turn_off
        domain = str(arguments.get("domain") or "").strip().lower()
        if domain in _EVERY_KIND:
            return set(TURNABLE)
        kind = _kind_of(domain) if domain else (_kind_of(name) if name else (LIGHT, None))
        if kind is None or kind[0] not in TURNABLE:
            return set(TURNABLE) if kind is None else {kind[0]}
        return {kind[0]}


def _refuse(category: str, reason: str) -> Verdict:
    return v.Verdict(False, category, reason, TOOL_SPEECH[category], "policy")


Verdict = v.Verdict
