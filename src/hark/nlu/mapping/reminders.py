"""Reminder intents -> ``reminder_*`` calls. Reminder moments ISO-8601 local time without offset."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _text

_TRAILING_DAY = re.compile(
    r"\s+((?:on |next |this )?(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|today|the day after tomorrow)$",
    re.IGNORECASE,
)


_TRAILING_AT = re.compile(
    r"\s+at\s+(\S+(?:\s+(?:am|pm|a m|p m|o'clock|in the (?:morning|afternoon|evening)))?)$", re.IGNORECASE
)


def _reminder_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    text, when = _text(slots, "text"), _text(slots, "when")
    if text is None or when is None:
        return None
    prefix = str(slots.get("when_prefix") or "")
    # "remind me to buy flowers on monday at 10": the day went into the text
    if m := _TRAILING_DAY.search(text):
        if prefix not in ("at", ""):
            return None
        text = text[: m.start()].strip()
        when = f"{m.group(1)} at {when}" if prefix == "at" else f"{m.group(1)} {when}"
        prefix = ""
        if not text:
            return None
    moment = num.parse_datetime(f"{prefix} {when}".strip(), now)
    if moment is None and (m := _TRAILING_AT.search(text)) and num.parse_date(f"{prefix} {when}", now.date()):
        # "remind me on friday to call the bank at 9": the time went into the text
        moment = num.parse_datetime(f"{prefix} {when} at {m.group(1)}".strip(), now)
        text = text[: m.start()].strip()
    if moment is None or moment <= now or not text:
        return None
    local = moment.astimezone(now.tzinfo).replace(tzinfo=None, microsecond=0)
    return ToolCall("reminder_set", {"text": text, "at": local.isoformat(timespec="seconds")})


def _reminder_cancel(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("all"):
        return ToolCall("reminder_cancel", {"all": True})
    text = _text(slots, "text")
    return None if text is None else ToolCall("reminder_cancel", {"text": text})
