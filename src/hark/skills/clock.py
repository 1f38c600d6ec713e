"""The clock skill: the time here or in a city, and the date with an offset in days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..brain.clock import ordinal, spoken_time
from .base import SkillContext, SkillResult, Tool, ToolArgumentError
from .cities import find_place

TIME_NOW = Tool(
    name="time_now",
    description="Tell the current time, here or in another city or country.",
    parameters={
        "type": "object",
        "properties": {
            "city": {
                "type": "string",
                "minLength": 1,
                "maxLength": 80,
                "description": "A city or country; omit for here.",
            },
        },
        "additionalProperties": False,
    },
)

DATE_TODAY = Tool(
    name="date_today",
    description="Tell the date and day of the week, today or a number of days from today.",
    parameters={
        "type": "object",
        "properties": {
            "offset_days": {
                "type": "integer",
                "minimum": -7,
                "maximum": 366,
                "description": "0 today (default), 1 tomorrow, -1 yesterday.",
            },
        },
        "additionalProperties": False,
    },
)


def spoken_day(day: dt.date, today: dt.date) -> str:
    """``Monday, November 23rd``, with the year only when it is not this year's."""
    text = f"{day:%A}, {day:%B} {ordinal(day.day)}"
    return text if day.year == today.year else f"{text}, {day.year}"


def _day_phrase(offset: int, when: str) -> str:
    if offset == 0:
        return f"Today is {when}."
    if offset == 1:
        return f"Tomorrow is {when}."
    if offset == -1:
        return f"Yesterday was {when}."
    if offset > 0:
        return f"In {offset} days it will be {when}."
    return f"{-offset} days ago was {when}."


class ClockSkill:
    """Time and date answers, local to ``timezone`` (an IANA name; empty for the machine's)."""

    name = "clock"

    def __init__(self, timezone: str = "") -> None:
        self.tz = ZoneInfo(timezone) if timezone else None

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (TIME_NOW, DATE_TODAY)

    def _now(self, ctx: SkillContext) -> dt.datetime:
        now = ctx.now()
        if ctx.timezone:  # the household's own zone comes before the server's
            return now.astimezone(ZoneInfo(ctx.timezone))
        return now.astimezone(self.tz) if self.tz else now.astimezone()

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool == "time_now":
            return self._time_now(str(arguments.get("city") or "").strip(), ctx)
        if tool == "date_today":
            return self._date_today(int(arguments.get("offset_days", 0)), ctx)
        raise ToolArgumentError(f"the clock has no tool called {tool!r}")

    def _time_now(self, city: str, ctx: SkillContext) -> SkillResult:
        now = self._now(ctx)
        if not city:
            return SkillResult(f"It's {spoken_time(now)}.", _time_data(now))
        place = find_place(city)
        if place is None:
            return SkillResult(
                f"I don't know the time zone of {city}.", {"error": "unknown-place", "city": city}, ok=False
            )
        there = now.astimezone(ZoneInfo(place.zone))
        data = {**_time_data(there), "city": place.name}
        if there.date() != now.date():
            day = "tomorrow" if there.date() > now.date() else "yesterday"
            return SkillResult(f"It's {spoken_time(there)} {day}, {there:%A}, in {place.name}.", data)
        return SkillResult(f"It's {spoken_time(there)} in {place.name}.", data)

    def _date_today(self, offset: int, ctx: SkillContext) -> SkillResult:
        today = self._now(ctx).date()
        day = today + dt.timedelta(days=offset)
        data = {"date": day.isoformat(), "weekday": f"{day:%A}", "offset_days": offset}
        return SkillResult(_day_phrase(offset, spoken_day(day, today)), data)


def _time_data(t: dt.datetime) -> dict[str, Any]:
    offset = t.utcoffset() or dt.timedelta()
    return {
        "time": f"{t:%H:%M}",
        "iso": t.isoformat(timespec="seconds"),
        "date": t.date().isoformat(),
        "weekday": f"{t:%A}",
        "timezone": str(t.tzinfo),
        "utc_offset_minutes": int(offset.total_seconds() // 60),
    }
