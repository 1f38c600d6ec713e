"""Questions about facts Hark has (date, time, arithmetic, conversions, timers, lists): routed to the skills' tools."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Literal

from ...nlu.spoken import spoken_quantity, spoken_unit
from ...skills.arith import normalise_expression
from ...skills.units import find_units
from .vocab import _MONTH, _NUMWORD, _TIMER, _WEEKDAY, _core

# -- facts Hark has: the request ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class FactRoute:
    """The skill tool that answers a question, and how to say its result."""

    tool: str
    arguments: Mapping[str, Any]
    kind: Literal["date", "time", "calc", "units", "timers", "alarms", "reminders", "list"]
    asks: str = ""
    """Date questions: ``year``, ``month``, or a weekday / ``weekend`` / ``weekday`` for a yes-no question."""


_D = r"(?:date|day|weekday|week day|day of the week|day of the month|month|year)"
_WHEN = r"(?:today|tomorrow|yesterday|the day after tomorrow|the day before yesterday)"
_IS_IT = (
    r"(?:is it|is today|is it today|it is|it is today|today is|are we in|are we on|are we|do we have|have we got"
    r"|is this|we are|we are in|we are on|is it now|it is now)"
)
_DATE_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"(?:what|which) is (?:the )?(?:current |present |actual |todays |today's )?{_D}"
        rf"(?: {_IS_IT}| today| {_WHEN}| of today| currently| now| at the moment)?(?: today| now)?",
        rf"(?:what|which) {_D}(?: {_IS_IT})?(?: today| now| currently)?",
        rf"(?:what|which) (?:date|day|weekday|day of the week) (?:is|was|will be|will it be|was it|is it) {_WHEN}(?: be)?",
        rf"(?:what|which) (?:date|day|weekday) (?:will|is|was) {_WHEN}(?: be)?",
        rf"what is {_WHEN}(?:'s| s)?(?: date| day| weekday)?",
        rf"{_WHEN}(?:'s| s)? (?:date|day|weekday)(?: is)?(?: what)?",
        rf"{_WHEN} (?:is|was|will be) (?:what|which)(?: day| date| weekday)?(?: of the week)?",
        rf"(?:is|was) (?:it|today|tomorrow|yesterday) (?:a |the )?(?:{_WEEKDAY}|weekend|weekday|week day"
        rf"|(?:{_MONTH}) (?:the )?\d+\w*|(?:the )?\d+(?:st|nd|rd|th)?(?: of (?:{_MONTH}))?)"
        rf"(?: {_WHEN}| already| yet)?",
        rf"(?:is|was) (?:{_WEEKDAY}) {_WHEN}",
        rf"(?:{_WHEN}|it) is (?:{_WEEKDAY}|the weekend)(?: right| isn't it| is it not| correct)",
        r"(?:the |current |the current |todays |today's |the full |full |complete )?date(?: today| and (?:the )?time)?",
        r"(?:give me|say|get me|read me|check|find out|look up|tell) (?:me )?(?:the |today's |todays |what )?"
        r"(?:current )?(?:date|day)(?: today| it is| is it)?",
        r"(?:what|which) (?:is the )?(?:day and date|date and day|date and time|day and time)(?: today| is it)?",
        r"(?:what|which) day (?:of the week )?(?:are we|is it)(?: on| in)?",
        r"(?:the )?day of the week",
        r"(?:what|which) (?:year|month) (?:are we in|is this|is it|it is)",
        r"how is the date",
        r"(?:what|which) (?:date|day) (?:is it|it is) (?:today|tomorrow)",
        rf"what (?:was|is|will be) {_WHEN}(?:'s| s)? (?:date|day|weekday)",
    )
)
_DATE_EXCLUDE = re.compile(
    r"\b(?:birthday|christmas|easter|holiday|born|anniversary|founded|invented|happen|happened|until|till|since"
    r"|ago|dead|deadline|due|release|expir\w*|dating|date night|valentine|thanksgiving|halloween|new year)\b"
)

_CITY = r"(?: in (?P<city>[a-z][a-z' .-]{1,60}))?"
_TIME_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"what is (?:the )?(?:current |exact |local |present )?time(?: now| right now| currently| here| is it| it is"
        rf"| at the moment)?{_CITY}(?: now| right now)?",
        rf"what time (?:is it|it is|do you have|have you got)(?: now| right now| currently| here| at the moment)?{_CITY}"
        rf"(?: now| right now)?",
        rf"(?:the |current |the current |exact |local |the local )?time(?: now| right now| here| check)?{_CITY}",
        r"(?:do you )?(?:have|know|got) the time",
        r"how late is it|what hour is it|what is the hour",
        rf"(?:give me|say|check|get me|read me|tell) (?:me )?(?:the )?(?:current |exact )?time{_CITY}",
        r"what o'?clock is it",
    )
)

_NAME = r"(?:(?P<name>[a-z]+(?: [a-z]+)?) )?"
_TIMER_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"how (?:much time|long|many minutes|many seconds|much longer)(?: is| do i have| have i got| are| does it have)?"
        rf"(?: left| remaining| to go)(?: on| for| in)?(?: the| my)?(?: {_NAME}(?:{_TIMER}))?",
        rf"how long (?:until|till|til|before|left on|left for) (?:the |my )?{_NAME}(?:{_TIMER})"
        r"(?: goes off| rings| is done| ends| finishes| is up| is finished)?",
        rf"(?:what|which) (?:{_TIMER}) (?:do i have|are (?:running|set|on|going|active)|have i (?:got|set)"
        r"|is (?:running|set|on))(?: going)?",
        rf"(?:do i have|have i got|are there|is there|have i set|did i set) (?:any |a )?(?:{_TIMER})"
        r"(?: running| set| going| on| active)?",
        rf"(?:is|are) (?:the |my )?{_NAME}(?:{_TIMER}) (?:still )?(?:running|going|on|set|done|finished|active|up|over)",
        rf"(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?(?:{_TIMER})(?: status)?",
        rf"(?:{_TIMER}) (?:status|check|left)|status of (?:the |my )?(?:{_TIMER})|any (?:{_TIMER})|my (?:{_TIMER})",
    )
)
_ALARM_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"(?:what|which) alarms? (?:do i have|are (?:set|on|active)|have i (?:got|set)|is set)",
        r"(?:do i have|have i got|are there|is there|have i set|did i set) (?:any |an )?alarms?(?: set| on)?"
        r"(?: for (?:tomorrow|today|tonight))?",
        r"(?:when|what time) is my alarm(?: set)?(?: for)?(?: tomorrow)?",
        r"(?:is|are) (?:my |the )?alarms? (?:set|on)(?: for tomorrow)?",
        r"(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?alarms?|any alarms?(?: set)?|my alarms",
    )
)
_REMINDER_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"(?:what|which) reminders? (?:do i have|are (?:set|there|pending)|have i (?:got|set))",
        r"(?:do i have|have i got|are there|is there) (?:any |a )?reminders?(?: set| pending)?",
        r"what are my reminders|(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?reminders?",
    )
)
_LIST_NAME = r"(?:(?P<list>[a-z]+(?: ?do)?) )?"
_LIST_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"what is on (?:my |the ){_LIST_NAME}list",
        rf"(?:read|check|show)(?: me| out)? (?:my |the ){_LIST_NAME}list",
        rf"what do i have on (?:my |the ){_LIST_NAME}list",
        rf"what is in (?:my |the ){_LIST_NAME}list",
    )
)

_EXPRESSION = re.compile(r"^[\d\s.+\-*/%()]*(?:(?:sqrt|cbrt)[\s(]*[\d\s.+\-*/%()]*)*$")
_OPERATION = re.compile(r"\d\s*\)?\s*(?:\*\*|[+\-*/%])\s*\(?\s*[\d(]|sqrt|cbrt")
_CALC_PREFIX = re.compile(
    r"^(?:what is|how much is|how much are|calculate|compute|work out|solve|what are|what does)\s+"
)

_UNITS_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"convert (?P<q>.+?) (?:to|into|in) (?P<to>.+)",
        r"how many (?P<to>.+?) (?:are |is )?(?:there )?(?:in|to|per|make(?: up)?|equal|is|are) (?P<q>.+)",
        r"(?:what is|how much is|how many is|what are)? ?(?P<q>.+?) (?:in|to|into|as|expressed in) (?P<to>.+)",
        r"(?P<q>.+?) (?:is|equals|are|make|makes) how many (?P<to>.+)",
    )
)


def fact_route(text: str) -> FactRoute | None:
    """The skill tool that answers ``text``, when it asks for a fact Hark has; None otherwise."""
    s = _core(text, asking=True)
    if not s or len(s) > 120:
        return None
    if not _DATE_EXCLUDE.search(s) and any(t.fullmatch(s) for t in _DATE_TEMPLATES):
        return _date_route(s)
    for template in _TIME_TEMPLATES:
        if m := template.fullmatch(s):
            city = (m.group("city") or "").strip() if "city" in m.groupdict() else ""
            return FactRoute("time_now", {"city": city} if city else {}, "time")
    for template in _TIMER_TEMPLATES:
        if m := template.fullmatch(s):
            name = (m.groupdict().get("name") or "").strip()
            name = "" if name in ("the", "my", "a", "any", "all", "all the", "all my") else name.removeprefix("the ")
            return FactRoute("timer_status", {"name": name} if name else {}, "timers")
    if any(t.fullmatch(s) for t in _ALARM_TEMPLATES):
        return FactRoute("alarm_list", {}, "alarms")
    if any(t.fullmatch(s) for t in _REMINDER_TEMPLATES):
        return FactRoute("reminder_list", {}, "reminders")
    for template in _LIST_TEMPLATES:
        if m := template.fullmatch(s):
            name = (m.group("list") or "shopping").strip()
            return FactRoute("list_read", {"list": name}, "list")
    if route := _calc_route(s):
        return route
    return _units_route(s)


def _date_route(s: str) -> FactRoute:
    offset = 0
    if "day after tomorrow" in s:
        offset = 2
    elif "day before yesterday" in s:
        offset = -2
    elif re.search(r"\btomorrow\b", s):
        offset = 1
    elif re.search(r"\byesterday\b", s):
        offset = -1
    asks = ""
    if re.match(r"(?:is|was) |(?:today|tomorrow|yesterday|it) is (?:" + _WEEKDAY + r"|the weekend)", s):
        m = re.search(rf"\b({_WEEKDAY}|weekend|weekday|week day)\b", s)
        asks = m.group(1).replace("week day", "weekday") if m else ""
    elif re.search(r"\byear\b", s) and not re.search(r"\b(?:date|day)\b", s):
        asks = "year"
    elif re.search(r"\bmonth\b", s) and not re.search(r"\b(?:date|day)\b", s):
        asks = "month"
    return FactRoute("date_today", {"offset_days": offset} if offset else {}, "date", asks)


def _calc_route(s: str) -> FactRoute | None:
    if not re.search(r"\d|" + _NUMWORD, s):
        return None
    expression = _CALC_PREFIX.sub("", s)
    try:
        normalised = normalise_expression(expression)
    except Exception:  # the skill's own parser refuses it: not arithmetic
        return None
    if not _EXPRESSION.match(normalised) or not _OPERATION.search(normalised):
        return None
    return FactRoute("calculate", {"expression": expression[:200]}, "calc")


def _units_route(s: str) -> FactRoute | None:
    if not re.search(r"\d|\b(?:a|an|one|" + _NUMWORD + r")\b", s):
        return None
    for template in _UNITS_TEMPLATES:
        m = template.fullmatch(s)
        if not m:
            continue
        quantity_text = re.sub(r"^(?:a|an) ", "one ", m.group("q").strip())
        quantity = spoken_quantity(quantity_text)
        target = spoken_unit(m.group("to").strip())
        if quantity is None or target is None or not find_units(quantity[1]) or not find_units(target):
            continue
        value, unit = quantity
        return FactRoute("convert_units", {"value": value, "from_unit": unit, "to_unit": target}, "units")
    return None


def say_date(route: FactRoute, speech: str, data: Mapping[str, Any]) -> str:
    """The date tool's sentence, shaped to what was asked (a yes-no weekday question, the year, the month)."""
    iso = str(data.get("date", ""))
    weekday = str(data.get("weekday", ""))
    if route.asks == "year" and len(iso) >= 4:
        return f"It's {iso[:4]}."
    if route.asks == "month" and len(iso) >= 7:
        months = _MONTH.split("|")
        return f"It's {months[int(iso[5:7]) - 1].capitalize()} {iso[:4]}."
    if route.asks and weekday:
        day = weekday.lower()
        if route.asks == "weekend":
            yes = day in ("saturday", "sunday")
        elif route.asks == "weekday":
            yes = day not in ("saturday", "sunday")
        else:
            yes = day == route.asks
        return f"{'Yes' if yes else 'No'}. {speech}"
    return speech
