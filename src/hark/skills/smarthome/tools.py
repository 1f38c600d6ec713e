"""The smart-home tools: their argument schemas, and the domains each one may reach."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...homeauto.entities import ALARM, CLIMATE, COVER, FAN, KIND_WORDS, LIGHT, LOCK, SCENE, SWITCH, tokens
from ...homeauto.homeassistant import CONTROLLABLE
from ..base import Tool

TURNABLE = frozenset({LIGHT, SWITCH, FAN, CLIMATE, "input_boolean", "media_player"})
"""What "turn on/off" may reach. Covers, locks and alarms have their own tools (and their dangers)."""

_TARGET: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "description": "The device as said: 'ceiling light', 'kitchen lights'."},
    "area": {"type": "string", "minLength": 1, "description": "The room or area: 'kitchen'."},
}


def _schema(props: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(props), "required": list(required), "additionalProperties": False}


_TURN: dict[str, Any] = {
    **_TARGET,
    "domain": {
        "type": "string",
        "description": "light, switch, fan, ...; 'all' for every kind of device ('turn off everything').",
    },
    "floor": {"type": "string", "minLength": 1, "description": "A floor instead of an area: 'upstairs'."},
    "everywhere": {
        "type": "boolean",
        "description": "Every such device in the home, not only the room the request came from ('all the lights').",
    },
}

TOOLS = (
    Tool(
        "device_turn_on",
        "Turn on a device or every device of a kind in an area, on a floor or everywhere (lights, switches, fans).",
        _schema(_TURN),
    ),
    Tool(
        "device_turn_off",
        "Turn off a device or every device of a kind in an area, on a floor or everywhere (lights, switches, fans).",
        _schema(_TURN),
    ),
    Tool(
        "light_set",
        "Set the brightness (percent) or colour of lights.",
        _schema(
            {
                **_TARGET,
                "brightness": {"type": "integer", "minimum": 0, "maximum": 100},
                "color": {"type": "string", "minLength": 1},
            }
        ),
    ),
    Tool(
        "cover_set",
        "Open, close or position blinds, shades and garage doors (garage doors need confirmation).",
        _schema(
            {
                **_TARGET,
                "position": {"type": "integer", "minimum": 0, "maximum": 100},
                "action": {"type": "string", "enum": ["open", "close"]},
            }
        ),
    ),
    Tool(
        "climate_set",
        "Set a thermostat's target temperature.",
        _schema({**_TARGET, "temperature": {"type": "number"}}, ["temperature"]),
    ),
    Tool("scene_activate", "Activate a scene.", _schema({"name": _TARGET["name"]}, ["name"])),
    Tool(
        "lock_set",
        "Lock or unlock a lock (unlocking needs confirmation).",
        _schema({"name": _TARGET["name"], "locked": {"type": "boolean"}}, ["name", "locked"]),
    ),
    Tool(
        "alarm_panel_set",
        "Arm or disarm the alarm (disarming needs confirmation).",
        _schema({"name": _TARGET["name"], "armed": {"type": "boolean"}}, ["armed"]),
    ),
    Tool("device_state", "Say whether a device is on, open, locked, its temperature...", _schema(_TARGET)),
)

_DOMAINS: dict[str, tuple[frozenset[str], str | None]] = {
    "device_turn_on": (TURNABLE, LIGHT),
    "device_turn_off": (TURNABLE, LIGHT),
    "light_set": (frozenset({LIGHT}), LIGHT),
    "cover_set": (frozenset({COVER}), COVER),
    "climate_set": (frozenset({CLIMATE}), CLIMATE),
    "scene_activate": (frozenset({SCENE}), None),
    "lock_set": (frozenset({LOCK}), None),
    "alarm_panel_set": (frozenset({ALARM}), ALARM),
    "device_state": (CONTROLLABLE, None),
}
"""Per tool: the domains it may reach, and what an area on its own means ("turn off the kitchen": lights)."""


_EVERY_KIND = frozenset({"all", "any", "everything", "every device", "all devices"})


def _domain(spoken: str) -> str | None:
    """A domain argument as a model or intent might give it: ``light``, ``lights``, ``plug``."""
    if spoken in CONTROLLABLE:
        return spoken
    kind = KIND_WORDS.get(tokens(spoken))
    return kind[0] if kind else None
