"""Reminders: "remind me to call mum at 6" arrives as ``text`` plus an ISO local datetime.

A datetime without an offset is local time in the zone of ``ctx.now()``; it is
stored in UTC. The reminder is spoken once, on the device it was asked on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..scheduler import Scheduler, utc
from ..store import Database, Reminder, spoken
from .base import SkillContext, SkillResult, Tool

_TEXT = {"type": "string", "minLength": 1, "maxLength": 500}


def _schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required), "additionalProperties": False}


def normalise_text(text: str) -> str:
    """``"To call Mum."`` -> ``"call Mum"``: what follows "remind me to"."""
    cleaned = re.sub(r"\s+", " ", text).strip(" .!?,")
    return re.sub(r"^(?:to|remind me to)\s+", "", cleaned, flags=re.IGNORECASE)


def when(due: dt.datetime, now: dt.datetime) -> str:
    """``today at 18:00``, in the zone of ``now``."""
    local = due.astimezone(now.tzinfo)
    return f"{spoken.day(local.date(), now.date())} at {spoken.clock_time(local)}"


class RemindersSkill:
    """``reminder_set``, ``reminder_list``, ``reminder_cancel`` for the device that asks."""

    name = "reminders"

    def __init__(self, db: Database, scheduler: Scheduler) -> None:
        self.db = db
        self.scheduler = scheduler
        self._tools = (
            Tool(
                "reminder_set",
                "Remind the user of something at a given local date and time.",
                _schema(
                    {
                        "text": _TEXT,
                        "at": {"type": "string", "minLength": 10, "description": "ISO-8601 local datetime."},
                    },
                    ["text", "at"],
                ),
            ),
            Tool("reminder_list", "List pending reminders.", _schema({})),
            Tool(
                "reminder_cancel",
                "Cancel a reminder by its text, or all.",
                _schema({"text": _TEXT, "all": {"type": "boolean"}}),
            ),
        )

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool == "reminder_set":
            return await self._set(arguments, ctx)
        if tool == "reminder_list":
            return await self._list(ctx)
        return await self._cancel(arguments, ctx)

    async def _set(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        now = ctx.now()
        text = normalise_text(str(args["text"]))
        if not text:
            return SkillResult("What should I remind you about?", {"error": "no-text"}, ok=False)
        try:
            due = dt.datetime.fromisoformat(str(args["at"]))
        except ValueError:
            return SkillResult("I didn't get when to remind you.", {"error": "bad-time"}, ok=False)
        if due.tzinfo is None:
            due = due.replace(tzinfo=now.tzinfo)
        due = utc(due)
        if due <= utc(now):
            return SkillResult("That time has already passed.", {"error": "in-the-past"}, ok=False)
        async with self.db.transaction() as session:
            reminder = Reminder(
                household_id=ctx.household_id,
                device_id=ctx.device_id,
                text=text,
                due_at=due,
                state="pending",
                late=False,
                created_at=utc(now),
            )
            session.add(reminder)
            await session.flush()
        self.scheduler.schedule("reminder", reminder.id, due)
        return SkillResult(
            f"OK, I'll remind you to {text} {when(due, now)}.",
            {"id": reminder.id, "text": text, "due_at": due.isoformat()},
        )

    async def _list(self, ctx: SkillContext) -> SkillResult:
        now = ctx.now()
        async with self.db.transaction() as session:
            reminders = await self._pending(session, ctx)
        data = {"reminders": [{"id": r.id, "text": r.text, "due_at": r.due_at.isoformat()} for r in reminders]}
        if not reminders:
            return SkillResult("You don't have any reminders.", data)
        listed = spoken.join([f"{r.text} {when(r.due_at, now)}" for r in reminders])
        return SkillResult(f"You have {spoken.plural(len(reminders), 'reminder')}: {listed}.", data)

    async def _cancel(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        wanted = normalise_text(str(args.get("text") or "")).lower()
        async with self.db.transaction() as session:
            reminders = await self._pending(session, ctx)
            if not reminders:
                return SkillResult("You don't have any reminders.", {"cancelled": []}, ok=False)
            matches = [r for r in reminders if not wanted or wanted in r.text.lower()]
            if not matches:
                return SkillResult(f"You don't have a reminder to {wanted}.", {"cancelled": []}, ok=False)
            if len(matches) > 1 and not args.get("all"):
                choices = [r.text for r in matches]
                return SkillResult(
                    f"Which reminder do you want to cancel: {spoken.join(choices, 'or')}?",
                    {"question": True, "choices": choices},
                    ok=False,
                )
            for reminder in matches:
                reminder.state = "cancelled"
        for reminder in matches:
            self.scheduler.unschedule("reminder", reminder.id)
        data = {"cancelled": [r.text for r in matches]}
        if len(matches) > 1:
            return SkillResult(f"Cancelled all {len(matches)} reminders.", data)
        return SkillResult(f"Cancelled the reminder to {matches[0].text}.", data)

    @staticmethod
    async def _pending(session: AsyncSession, ctx: SkillContext) -> list[Reminder]:
        query = (
            select(Reminder)
            .where(
                Reminder.household_id == ctx.household_id,
                Reminder.device_id == ctx.device_id,
                Reminder.state == "pending",
            )
            .order_by(Reminder.due_at, Reminder.id)
        )
        return list((await session.scalars(query)).all())
