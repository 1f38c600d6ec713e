"""Alarm intents -> ``alarm_*`` calls. Clock times "HH:MM" (24 h); an ambiguous hour the next
occurrence (or a.m. for "wake me up")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import numbers as num
from ..types import IntentMatch, ToolCall
from .slots import Result, _strip_article, _text

_DAYS_SPLIT = re.compile(r"^(.*?)\s+(?:on|every|each|for)\s+(.+)$")


def _alarm_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    text = _text(slots, "time")
    if text is None:
        return None
    days_text = _text(slots, "days")
    date: dt.date | None = None
    if slots.get("date") == "tomorrow":
        date = now.date() + dt.timedelta(days=1)
    clock = num.parse_clock(text)
    if clock is None and days_text is None and (m := _DAYS_SPLIT.match(text)):
        # one template caught "7:30 am on weekdays" whole: split it here
        clock, days_text = num.parse_clock(m.group(1)), m.group(2)
    if clock is None and days_text is None:
        moment = num.parse_datetime(text, now)
        if moment is None:
            return None
        clock, date = num.ClockTime(moment.hour, moment.minute), moment.date()
    if clock is None:
        return None
    args: dict[str, Any] = {}
    if days_text is not None and _once_on_a_day(days_text, match.text):
        date = num.parse_date(days_text, now.date())
        if date is None:
            return None
    elif days_text is not None:
        days = num.parse_weekdays(days_text) or num.parse_weekdays("every " + days_text)
        if days is None:
            day = num.parse_date(days_text, now.date())
            if day is None:
                return None
            date = day
        else:
            args["days"] = list(days)
    if clock.ambiguous:
        if slots.get("wake"):
            clock = num.ClockTime(clock.hour % 12, clock.minute)
        elif "days" not in args:
            moment = num.resolve_clock(clock, now, date)
            clock = num.ClockTime(moment.hour, moment.minute)
        else:
            return None  # "every monday at 6": morning or evening? ask the next brain
    args = {"time": clock.hhmm(), **args}
    if date is not None:
        args["date"] = date.isoformat()
    if label := _text(slots, "label"):
        label = _strip_article(label)
        if (recurring := num.parse_weekdays(label)) is not None and "days" not in args:
            # "a daily alarm", "a weekday alarm": when it repeats, not its name
            args["days"] = list(recurring)
            args.pop("date", None)
        elif label.lower() in ("recurring", "repeating"):
            return None
        else:
            args["label"] = label
    return ToolCall("alarm_set", args)


_ONE_WEEKDAY = re.compile(r"(?:this |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.IGNORECASE)


def _once_on_a_day(days_text: str, said: str) -> bool:
    """ "at 7 am on monday" is one alarm, next Monday; "on mondays", "every monday" recur."""
    return (
        _ONE_WEEKDAY.fullmatch(days_text) is not None
        and re.search(rf"\bon\s+{re.escape(days_text)}\b", said, re.IGNORECASE) is not None
        and re.search(r"\b(every|each|weekly|recurring|repeating)\b", said, re.IGNORECASE) is None
    )


def _alarm_cancel(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("all"):
        return ToolCall("alarm_cancel", {"all": True})
    if (label := _text(slots, "label")) is not None:
        label = _strip_article(label).lower()
        # "cancel the 7 am alarm" is a time (another reading); a label is a word or two ("gym")
        if num.parse_clock(label) is not None or _NOT_A_LABEL.search(label) or len(label.split()) > 3:
            return None
        return ToolCall("alarm_cancel", {"label": label})
    text = _text(slots, "time")
    if text is None:
        return ToolCall("alarm_cancel", {})
    clock = num.parse_clock(text)
    if clock is None:
        return None
    if clock.ambiguous:
        return None  # which of 7:00 and 19:00? the skill's list is not known here
    return ToolCall("alarm_cancel", {"time": clock.hhmm()})


_NOT_A_LABEL = re.compile(
    r"\d|\b(am|pm|a m|p m|o'?clock|morning|evening|night|tomorrow|today|tonight|alarms?|all|every|my|the)\b"
)
