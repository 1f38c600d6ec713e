"""Alarms: one-off ("9:30 tomorrow") and recurring ("7:00 on weekdays"), listed and cancelled.

An alarm stores its local wall-clock ``time`` and its ``days`` or ``date``; the
next ring is computed from them in the local zone of ``ctx.now()`` (give the
context a :class:`zoneinfo.ZoneInfo`-aware clock so DST is handled) and stored
in UTC as ``next_at``. A one-off alarm set without a date gets the date of its
next occurrence stored, so "9:30" set at 10:00 means tomorrow and stays so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..scheduler import Scheduler, utc
from ..store import Alarm, Database, spoken
from ..store.recurrence import WEEKDAYS, format_days, format_hhmm, next_occurrence, parse_days, parse_hhmm
from .base import SkillContext, SkillResult, Tool

_TIME = {"type": "string", "pattern": r"^([01]?\d|2[0-3]):[0-5]\d$", "description": "24-hour HH:MM local time."}
_LABEL = {"type": "string", "minLength": 1, "maxLength": 100}


def _schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required), "additionalProperties": False}


def describe(alarm: Alarm, today: dt.date) -> str:
    """``7:00 on weekdays``, ``9:30 tomorrow``."""
    time = spoken.clock_time(parse_hhmm(alarm.time))
    days = parse_days(alarm.days)
    if days:
        return f"{time} {spoken.days(days)}"
    if alarm.date is not None:
        return f"{time} {spoken.day(alarm.date, today)}"
    return time


class AlarmsSkill:
    """``alarm_set``, ``alarm_list``, ``alarm_cancel`` for the device that asks."""

    name = "alarms"

    def __init__(self, db: Database, scheduler: Scheduler) -> None:
        self.db = db
        self.scheduler = scheduler
        self._tools = (
            Tool(
                "alarm_set",
                "Set an alarm: once (optionally on a date) or recurring on weekdays.",
                _schema(
                    {
                        "time": _TIME,
                        "days": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(WEEKDAYS)},
                            "minItems": 1,
                            "maxItems": 7,
                            "description": "Recurring on these weekdays.",
                        },
                        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "One-off date."},
                        "label": _LABEL,
                    },
                    ["time"],
                ),
            ),
            Tool("alarm_list", "List the alarms.", _schema({})),
            Tool(
                "alarm_cancel",
                "Cancel alarms by time, by label, or all.",
                _schema({"time": _TIME, "label": _LABEL, "all": {"type": "boolean"}}),
            ),
        )

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool == "alarm_set":
            return await self._set(arguments, ctx)
        if tool == "alarm_list":
            return await self._list(ctx)
        return await self._cancel(arguments, ctx)

    async def _set(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        now = ctx.now()
        try:
            time = parse_hhmm(str(args["time"]))
        except ValueError:
            return SkillResult("I didn't get the time of the alarm. Say it like 7:30.", {"error": "bad-time"}, ok=False)
        days = parse_days(format_days(args.get("days") or ()))
        date: dt.date | None = None
        if args.get("date"):
            if days:
                return SkillResult(
                    "An alarm either repeats on some days or rings on one date, not both.",
                    {"error": "days-and-date"},
                    ok=False,
                )
            try:
                date = dt.date.fromisoformat(str(args["date"]))
            except ValueError:
                return SkillResult("I didn't get the date of the alarm.", {"error": "bad-date"}, ok=False)
        next_at = next_occurrence(time, after=now, days=days, date=date)
        if next_at is None:
            return SkillResult("That time has already passed.", {"error": "in-the-past"}, ok=False)
        if not days:
            date = next_at.astimezone(now.tzinfo).date()
        label = str(args.get("label") or "").strip()
        async with self.db.transaction() as session:
            for alarm in await self._enabled(session, ctx):
                if alarm.time == format_hhmm(time) and alarm.days == format_days(days) and alarm.date == date:
                    return SkillResult(
                        f"You already have an alarm for {describe(alarm, now.date())}.",
                        {"id": alarm.id, "duplicate": True},
                    )
            alarm = Alarm(
                household_id=ctx.household_id,
                device_id=ctx.device_id,
                time=format_hhmm(time),
                days=format_days(days),
                date=date,
                label=label,
                next_at=next_at,
                enabled=True,
                created_at=utc(now),
            )
            session.add(alarm)
            await session.flush()
        self.scheduler.schedule("alarm", alarm.id, next_at)
        about = f": {label}" if label else ""
        return SkillResult(
            f"Alarm set for {describe(alarm, now.date())}{about}.",
            {"id": alarm.id, "next_at": next_at.isoformat(), "days": list(alarm.days.split(",") if days else [])},
        )

    async def _list(self, ctx: SkillContext) -> SkillResult:
        today = ctx.now().date()
        async with self.db.transaction() as session:
            alarms = await self._enabled(session, ctx)
        data = {"alarms": [{"id": a.id, "time": a.time, "days": a.days, "label": a.label} for a in alarms]}
        if not alarms:
            return SkillResult("You don't have any alarms.", data)
        listed = spoken.join([describe(a, today) for a in alarms])
        return SkillResult(f"You have {spoken.plural(len(alarms), 'alarm')}: {listed}.", data)

    async def _cancel(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        today = ctx.now().date()
        time: str | None = None
        if args.get("time"):
            try:
                time = format_hhmm(parse_hhmm(str(args["time"])))
            except ValueError:
                return SkillResult("I didn't get the time of the alarm.", {"error": "bad-time"}, ok=False)
        label = str(args.get("label") or "").strip().lower()
        async with self.db.transaction() as session:
            alarms = await self._enabled(session, ctx)
            if not alarms:
                return SkillResult("You don't have any alarms.", {"cancelled": []}, ok=False)
            matches = [
                a for a in alarms if (time is None or a.time == time) and (not label or label in a.label.lower())
            ]
            if not matches:
                what = f"at {spoken.clock_time(parse_hhmm(time))}" if time else f"called {label}"
                return SkillResult(f"You don't have an alarm {what}.", {"cancelled": []}, ok=False)
            if len(matches) > 1 and not args.get("all"):
                choices = [describe(a, today) for a in matches]
                return SkillResult(
                    f"Which alarm do you want to cancel: {spoken.join(choices, 'or')}?",
                    {"question": True, "choices": choices},
                    ok=False,
                )
            for alarm in matches:
                alarm.enabled = False
                alarm.next_at = None
        for alarm in matches:
            self.scheduler.unschedule("alarm", alarm.id)
            await self.scheduler.stop_ringing(alarm.device_id, f"alarm:{alarm.id}")
        data = {"cancelled": [describe(a, today) for a in matches]}
        if len(matches) > 1:
            return SkillResult(f"Cancelled all {len(matches)} alarms.", data)
        return SkillResult(f"Cancelled your alarm for {describe(matches[0], today)}.", data)

    @staticmethod
    async def _enabled(session: AsyncSession, ctx: SkillContext) -> list[Alarm]:
        query = (
            select(Alarm)
            .where(Alarm.household_id == ctx.household_id, Alarm.device_id == ctx.device_id, Alarm.enabled.is_(True))
            .order_by(Alarm.next_at, Alarm.id)
        )
        return list((await session.scalars(query)).all())
