"""Volume and playback intents -> ``volume_*`` and ``media_control`` calls (this device only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..types import LIBRARY_SOURCE, IntentMatch, ToolCall
from .slots import Result, _int

VOLUME_STEP = 10
"""Volume change for "louder"/"quieter" without a number."""


def _local_only(slots: dict[str, Any], match: IntentMatch) -> bool:
    """Volume and playback tools act on the speaking device: a named player or room is not it."""
    return match.source != LIBRARY_SOURCE or not ({"name", "area", "floor"} & slots.keys())


def _volume_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    level = _int(slots.get("volume_level"))
    if not _local_only(slots, match) or level is None or not 0 <= level <= 100:
        return None
    return ToolCall("volume_set", {"level": level})


def _volume_step(sign: int) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        step = _int(slots.get("step", VOLUME_STEP))
        if step is None or not 1 <= step <= 100:
            return None
        return ToolCall("volume_change", {"delta": sign * step})

    return handler


def _volume_relative(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if not _local_only(slots, match):
        return None
    step = slots.get("volume_step")
    if step == "up":
        return ToolCall("volume_change", {"delta": VOLUME_STEP})
    if step == "down":
        return ToolCall("volume_change", {"delta": -VOLUME_STEP})
    value = _int(step)
    return None if value is None or not 1 <= value <= 100 else ToolCall("volume_change", {"delta": value})


def _media(command: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        return ToolCall("media_control", {"command": command}) if _local_only(slots, match) else None

    return handler
