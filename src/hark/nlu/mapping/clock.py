"""Time and date intents -> ``time_now`` and ``date_today`` calls."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _strip_article, _text


def _time_now(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    city = _text(slots, "city")
    if city is None:
        return ToolCall("time_now", {})
    city = re.sub(r"\s+(right now|now|at the moment)$", "", _strip_article(city))
    if not city or any(c.isdigit() for c in city) or len(city.split()) > 4:
        return None
    return ToolCall("time_now", {"city": city})


def _date_today(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    day_text = _text(slots, "day")
    if day_text is None:
        return ToolCall("date_today", {})
    day = num.parse_date(day_text, now.date())
    if day is None:
        return None
    offset = (day - now.date()).days
    if not -7 <= offset <= 366:
        return None
    return ToolCall("date_today", {"offset_days": offset} if offset else {})
