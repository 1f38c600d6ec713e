"""Weather intents -> ``weather_get`` calls ("now", "today", "tomorrow" or an ISO date)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _text

_NOW_WORDS = {
    "now", "right now", "at the moment", "outside", "currently", "out", "out there", "outside right now",
    "outside now", "out there right now",
}  # fmt: skip
_TODAY_WORDS = {
    "today",
    "this morning",
    "this afternoon",
    "this evening",
    "tonight",
    "later",
    "later today",
    "this week",
}


def _weather(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    when = (_text(slots, "when") or "now").lower()
    if when in _NOW_WORDS:
        return ToolCall("weather_get", {"when": "now"})
    if when in _TODAY_WORDS:
        return ToolCall("weather_get", {"when": "today"})
    when = re.sub(r"\s+(morning|afternoon|evening|night)$", "", when)
    if re.fullmatch(r"(?:for |over |on )?(?:this |the )?weekend", when):  # the next Saturday (or today, at the weekend)
        when = "today" if now.weekday() >= 5 else "saturday"
    day = num.parse_date(when, now.date())
    if day is None or not 0 <= (day - now.date()).days <= 15:
        return None
    offset = (day - now.date()).days
    label = "today" if offset == 0 else "tomorrow" if offset == 1 else day.isoformat()
    return ToolCall("weather_get", {"when": label})
