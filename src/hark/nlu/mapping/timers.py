"""Timer intents -> ``timer_*`` calls. Durations become whole seconds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _strip_article, _text


def _duration(slots: dict[str, Any], prefix: str = "") -> int | None:
    """Seconds from the wildcard ``duration`` or the library's hours/minutes/seconds ranges."""
    if (text := _text(slots, "duration")) is not None and not prefix:
        return num.parse_duration(text)
    total = 0
    found = False
    for key, scale in (("hours", 3600), ("minutes", 60), ("seconds", 1)):
        value = slots.get(prefix + key)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        total += round(float(value) * scale)
        found = True
    return total if found else None


_NOT_A_NAME = re.compile(r"\d|\b(from|off|to|by|for|of|on|in|and|minutes?|seconds?|hours?|timers?)\b")


def _timer_name(slots: dict[str, Any]) -> str | None:
    name = _text(slots, "name")
    if name is None:
        return None
    name = _strip_article(name)
    name = re.sub(r"\s+timer$", "", name, flags=re.IGNORECASE).lower()
    # a name that holds a number or a preposition is a misread sentence ("2 minutes from the pizza")
    if not name or len(name.split()) > 3 or _NOT_A_NAME.search(name):
        raise ValueError(f"not a timer name: {name!r}")
    return name


def _timer_target(slots: dict[str, Any]) -> dict[str, Any] | None:
    """``{"name": ...}`` or ``{}``; ``None`` when the timer is named by its duration or room."""
    if any(k.startswith("start_") for k in slots) or "area" in slots:
        return None
    name = _timer_name(slots)
    return {"name": name} if name else {}


def _split_name_and_duration(slots: dict[str, Any]) -> dict[str, Any]:
    """ "a timer for the pasta, 8 minutes": the one wildcard holds "the pasta 8 minutes" (the
    comma is gone); split off the longest tail that is a duration, if what precedes it can be a name."""
    text = _text(slots, "duration")
    if text is None or "name" in slots:
        return slots
    words = text.split()
    for i in range(1, len(words)):
        if num.parse_duration(" ".join(words[i:])) is not None:
            name = " ".join(words[:i])
            if re.fullmatch(r"(the|my|our|a|an|some)", name, flags=re.IGNORECASE):
                return {**slots, "duration": " ".join(words[i:])}  # "a timer for the 8 minutes": no name
            try:
                if _timer_name({"name": name}):
                    return {**slots, "duration": " ".join(words[i:]), "name": name}
            except ValueError:
                pass
            return slots
    return slots


def _timer_start(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if "conversation_command" in slots:
        return None  # "in 5 minutes turn off the lights": a delayed command, not a timer
    seconds = _duration(slots)
    if seconds is None:
        slots = _split_name_and_duration(slots)
        seconds = _duration(slots)
    if seconds is None:
        return None
    # an impossible duration (minus five minutes, 900 days) still goes to the timer tool:
    # the brain refuses it with the reason, which beats "I can't help with that"
    args: dict[str, Any] = {"duration_s": seconds}
    if name := _timer_name(slots):
        args["name"] = name
    return ToolCall("timer_start", args)


def _timer_simple(tool: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        target = _timer_target(slots)
        return None if target is None else ToolCall(tool, target)

    return handler


def _timer_cancel_all(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    return None if "area" in slots else ToolCall("timer_cancel", {"all": True})


def _timer_adjust(sign: int) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        target = _timer_target(slots)
        seconds = _duration(slots)
        if target is None or seconds is None or seconds <= 0:
            return None
        return ToolCall("timer_adjust", {"delta_s": sign * seconds, **target})

    return handler
