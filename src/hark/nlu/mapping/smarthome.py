"""Smart-home intents -> device, light, climate, cover, lock and scene calls."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _int, _strip_article, _targets, _text

_NOT_A_DEVICE = re.compile(
    r"\d|\b(the|a|an|my|our|your|it|that|this|these|those|them|me|you|everything|something|anything|all|"
    r"timers?|alarms?|reminders?|music|song|radio|podcast|volume|sound|lists?|in|at|for|to|from|with|by|when|if|"
    r"and|or|but|because|before|after|of|on|off|up|down|please|again|now|today|tonight|tomorrow|minutes?|seconds?|"
    r"hours?)\b",
    re.IGNORECASE,
)
_EVERYWHERE = re.compile(r"\b(all|every|everywhere|whole|entire|house|home|flat|apartment)\b", re.IGNORECASE)


_SMART_HOME_INTENTS = frozenset({"HassTurnOn", "HassTurnOff", "HassGetState"})


def names_a_device(intent: str, slots: dict[str, Any]) -> bool:
    """A smart-home request naming a device or scene the home may not have ("lock the front door",
    "turn on the coffee machine", "activate movie night": Hark's ``hark_guess`` templates).

    It is never a tool call (with a home connected, the home's own names are matched, and an
    unknown one goes to the next brain); with no home connected the classic brain answers it
    with "no smart home is connected" rather than passing it on."""
    if intent not in _SMART_HOME_INTENTS or not slots.get("hark_guess"):
        return False
    name = _strip_article(_text(slots, "name") or "")
    # a name, not the rest of a sentence: "the oven timer", "your brain", "everything in 5 minutes"
    return bool(name) and len(name.split()) <= 3 and not _NOT_A_DEVICE.search(name)


def _turn(on: bool) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        if slots.get("hark_guess"):
            return None  # a name the home may not have: see names_a_device
        domain = slots.get("domain")
        targets = _targets(slots)
        if targets is None and isinstance(domain, str) and domain in ("light", "fan", "all"):
            # no room or device said: "turn off the lights" (this room's), "all the lights" (the home's),
            # "everything upstairs" (a floor)
            targets = {}
            if isinstance(slots.get("floor"), str):
                targets["floor"] = slots["floor"]
            elif _EVERYWHERE.search(match.text):
                targets["everywhere"] = True
        elif targets is None:
            return None
        if domain == "lock":
            return ToolCall("lock_set", {"name": targets["name"], "locked": on}) if "name" in targets else None
        if domain in ("cover", "valve") and domain == "cover":
            args = dict(targets)
            if "name" not in args and isinstance(slots.get("device_class"), str):
                args["name"] = slots["device_class"]
            return ToolCall("cover_set", {**args, "action": "open" if on else "close"})
        if domain in ("scene", "script"):
            return ToolCall("scene_activate", {"name": targets["name"]}) if on and "name" in targets else None
        if isinstance(domain, str) and domain:
            targets["domain"] = domain
        return ToolCall("device_turn_on" if on else "device_turn_off", targets)

    return handler


def _light_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots) or {}
    if not targets and "floor" in slots:
        return None
    args: dict[str, Any] = dict(targets)
    if "brightness" in slots:
        level = _int(slots["brightness"])
        if level is None or not 0 <= level <= 100:
            return None
        args["brightness"] = level
    if isinstance(slots.get("color"), str):
        args["color"] = slots["color"]
    if len(args) == len(targets) and not slots.get("level_asked"):
        return None  # colour temperature and the like: no argument for it
    # "dim the lights" with no level: the skill asks what to set them to
    return ToolCall("light_set", args)


_DEGREES = re.compile(r"\s*(?:°|degrees?|deg)?\s*(?:c|f|celsius|centigrade|fahrenheit)?$", re.IGNORECASE)


def _climate_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots) or {}
    temp = slots.get("temperature")
    if isinstance(temp, str):  # Hark's wildcard: "twenty one", "20.5 degrees", "twenty and a half"
        temp = num.parse_number(_DEGREES.sub("", temp.strip(" .,?!")))
        if temp is not None and float(temp).is_integer():
            temp = int(temp)
    if not isinstance(temp, int | float) or isinstance(temp, bool) or not 0 < temp <= 100:
        return None
    if not targets and "floor" in slots:
        return None
    if not targets and isinstance(slots.get("thermostat_floor"), str):
        targets = {"name": f"{slots['thermostat_floor']} thermostat"}  # "the upstairs thermostat"
    return ToolCall("climate_set", {**targets, "temperature": temp})


def _cover_position(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots)
    position = _int(slots.get("position"))
    if targets is None or position is None or not 0 <= position <= 100:
        return None
    return ToolCall("cover_set", {**targets, "position": position})


def _device_state(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("hark_guess"):
        return None
    targets = _targets(slots)
    return None if targets is None else ToolCall("device_state", targets)
