"""Short spoken sentences about devices (names, lists, states)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..store.spoken import join
from .entities import CLIMATE, COVER, LIGHT, SCENE, Entity

MAX_NAMED = 3
"""Beyond this many devices a reply counts them instead of naming each."""


def the(entity: Entity) -> str:
    """``the Front Door``; scenes are proper names (``Movie Night``)."""
    if entity.domain == SCENE or entity.name.lower().startswith("the "):
        return entity.name
    return f"the {entity.name}"


def targets(entities: Sequence[Entity]) -> str:
    """``the Kitchen Ceiling Light and the Counter Light``, or ``5 devices in the Kitchen``."""
    if len(entities) <= MAX_NAMED:
        return join([the(e) for e in entities])
    areas = {e.area_name for e in entities}
    where = f" in the {areas.pop()}" if len(areas) == 1 and None not in areas else ""
    return f"{len(entities)} devices{where}"


def _is_plural(name: str) -> bool:
    last = name.split()[-1].lower() if name.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _verb(entity: Entity) -> str:
    return "are" if _is_plural(entity.name) else "is"


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def ha_state(entity: Entity, state: Mapping[str, Any] | None) -> str:
    """One sentence from a Home Assistant state object."""
    subject = the(entity)
    subject = subject[0].upper() + subject[1:]
    if state is None:
        return f"Home Assistant doesn't know {the(entity)} any more."
    value = str(state.get("state", "unknown"))
    raw = state.get("attributes")
    attrs: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    verb = _verb(entity)
    if value in ("unavailable", "unknown"):
        return f"{subject} {verb} {value}."
    if entity.domain == SCENE:
        return f"{subject} is a scene; scenes have no state."
    if entity.domain == LIGHT and value == "on" and isinstance(attrs.get("brightness"), int | float):
        return f"{subject} {verb} on at {round(attrs['brightness'] * 100 / 255)}% brightness."
    if entity.domain == COVER and isinstance(attrs.get("current_position"), int | float) and value == "open":
        return f"{subject} {verb} open at {_number(attrs['current_position'])}%."
    if entity.domain == CLIMATE:
        parts = [f"{subject} {verb} set to {value}"]
        if attrs.get("temperature") is not None:
            parts.append(f"at {_number(attrs['temperature'])} degrees")
        sentence = " ".join(parts) + "."
        if attrs.get("current_temperature") is not None:
            sentence += f" It's {_number(attrs['current_temperature'])} degrees now."
        return sentence
    return f"{subject} {verb} {value.replace('_', ' ')}."


def mqtt_state(entity: Entity, payload: str | None, payloads: Mapping[str, str]) -> str:
    """One sentence from an MQTT state payload, mapped back through the device's payloads."""
    subject = the(entity)
    subject = subject[0].upper() + subject[1:]
    if payload is None:
        return f"I don't know the state of {the(entity)}."
    words = {v.lower(): k for k, v in payloads.items()}
    word = words.get(payload.lower(), payload.lower())
    word = {"close": "closed", "lock": "locked", "unlock": "unlocked", "arm": "armed", "disarm": "disarmed"}.get(
        word, word
    )
    if len(word) > 40 or not word.isprintable():
        return f"{subject} reports something I can't read."
    return f"{subject} {_verb(entity)} {word.replace('_', ' ')}."
