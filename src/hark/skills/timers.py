"""Timers: several at once, named ("pasta timer"), paused, resumed, adjusted, cancelled.

Each timer belongs to the device it was set on; "the timer" means that
device's only one, and with several the skill asks which (``ok=False``, the
question as speech, ``data["choices"]``). The row is committed first and the
:class:`~hark.scheduler.Scheduler` told afterwards, so a crash in between at
worst leaves a row that the next start schedules.

Names are stored without the word "timer" ("pasta"), so every sentence can say
"the pasta timer"; unnamed timers are named after their duration ("5 minute").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..scheduler import Scheduler, utc
from ..store import Database, Timer, spoken
from .base import SkillContext, SkillResult, Tool

MAX_SECONDS = 24 * 3600
_ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_ACTIVE = ("running", "paused")
_NAME = {"type": "string", "minLength": 1, "maxLength": 80, "description": "The timer's name, e.g. pasta."}


def duration_refusal(seconds: int) -> str | None:
    """Why a timer of ``seconds`` cannot be set, as a sentence; ``None`` if it can.

    The tool schema also bounds ``duration_s`` (1..86400), so through the registry
    an impossible value is a :class:`~hark.skills.base.ToolArgumentError`; a brain
    that wants the spoken reason can ask here first.
    """
    if seconds <= 0:
        return "I can't set a timer for zero or negative time. Tell me how long, like 5 minutes."
    if seconds > MAX_SECONDS:
        return "Timers can run for up to 24 hours. For anything longer, set an alarm or a reminder."
    return None


def normalise_name(name: str | None) -> str:
    """``"The Pasta Timer"`` -> ``"pasta"``; empty if nothing is left."""
    text = re.sub(r"\s+", " ", (name or "").lower()).strip(" .!?,")
    text = re.sub(r"^(?:the|my|a|an) ", "", text)
    text = re.sub(r"\s*\btimer\b$", "", text).strip()
    return text


def _schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required), "additionalProperties": False}


def _remaining(timer: Timer, now: dt.datetime) -> float:
    if timer.state == "paused" and timer.paused_remaining_s is not None:
        return timer.paused_remaining_s
    return max(0.0, (timer.ends_at - now).total_seconds())


def _the(timer: Timer) -> str:
    return f"the {timer.name} timer"


def _describe(timer: Timer, now: dt.datetime) -> str:
    left = spoken.duration(_remaining(timer, now))
    if timer.state == "paused":
        return f"{_the(timer).capitalize()} is paused with {left} left."
    if timer.state == "ringing":
        return f"{_the(timer).capitalize()} is done."
    return f"{left[:1].upper()}{left[1:]} left on {_the(timer)}."


class TimersSkill:
    """``timer_start``, ``timer_cancel``, ``timer_status``, ``timer_pause``, ``timer_resume``, ``timer_adjust``."""

    name = "timers"

    def __init__(self, db: Database, scheduler: Scheduler) -> None:
        self.db = db
        self.scheduler = scheduler
        self._tools = (
            Tool(
                "timer_start",
                "Start a countdown timer, optionally named.",
                _schema(
                    {
                        "duration_s": {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS},
                        "name": _NAME,
                    },
                    ["duration_s"],
                ),
            ),
            Tool(
                "timer_cancel",
                "Cancel a timer (by name, the only one, or all).",
                _schema({"name": _NAME, "all": {"type": "boolean"}}),
            ),
            Tool("timer_status", "Say how much time is left on timers.", _schema({"name": _NAME})),
            Tool("timer_pause", "Pause a running timer.", _schema({"name": _NAME})),
            Tool("timer_resume", "Resume a paused timer.", _schema({"name": _NAME})),
            Tool(
                "timer_adjust",
                "Add time to a timer (negative delta_s removes time).",
                _schema(
                    {"delta_s": {"type": "integer", "minimum": -MAX_SECONDS, "maximum": MAX_SECONDS}, "name": _NAME},
                    ["delta_s"],
                ),
            ),
        )

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        handlers: dict[str, Callable[[Mapping[str, Any], SkillContext], Any]] = {
            "timer_start": self._start,
            "timer_cancel": self._cancel,
            "timer_status": self._status,
            "timer_pause": self._pause,
            "timer_resume": self._resume,
            "timer_adjust": self._adjust,
        }
        result: SkillResult = await handlers[tool](arguments, ctx)
        return result

    # -- tools --------------------------------------------------------------------

    async def _start(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        seconds = int(args["duration_s"])
        refusal = duration_refusal(seconds)
        if refusal is not None:
            return SkillResult(refusal, {"error": "impossible-duration"}, ok=False)
        now = utc(ctx.now())
        wanted = normalise_name(args.get("name"))
        replaced: list[Timer] = []
        async with self.db.transaction() as session:
            timers = await self._active(session, ctx, (*_ACTIVE, "ringing"))
            same = [t for t in timers if wanted and t.name == wanted]
            if existing := next((t for t in same if t.state in _ACTIVE), None):
                return SkillResult(
                    f"You already have a {wanted} timer. {_describe(existing, now)}",
                    {"error": "duplicate-name", "id": existing.id},
                    ok=False,
                )
            for timer in same:  # a finished timer of that name, still ringing: the new one replaces it
                timer.state = "done"
                replaced.append(timer)
            taken = {t.name for t in timers if t not in replaced}
            name = wanted or self._unnamed(spoken.timer_label(seconds), taken)
            timer = Timer(
                household_id=ctx.household_id,
                device_id=ctx.device_id,
                name=name,
                duration_s=seconds,
                created_at=now,
                ends_at=now + dt.timedelta(seconds=seconds),
                state="running",
                late=False,
            )
            session.add(timer)
            await session.flush()
        for old in replaced:
            await self.scheduler.stop_ringing(old.device_id, f"timer:{old.id}")
        self.scheduler.schedule("timer", timer.id, timer.ends_at)
        what = f"{name.capitalize()} timer" if wanted else "Timer"
        return SkillResult(
            f"{what} set for {spoken.duration(seconds)}.",
            {"id": timer.id, "name": name, "duration_s": seconds, "ends_at": timer.ends_at.isoformat()},
        )

    async def _status(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        now = utc(ctx.now())
        async with self.db.transaction() as session:
            timers = await self._active(session, ctx, (*_ACTIVE, "ringing"))
        data = {
            "timers": [{"name": t.name, "state": t.state, "remaining_s": round(_remaining(t, now))} for t in timers]
        }
        if not timers:
            return SkillResult("You don't have any timers.", data)
        if args.get("name"):
            picked = self._pick(timers, args["name"], "check")
            if isinstance(picked, SkillResult):
                return picked
            return SkillResult(_describe(picked, now), data)
        if len(timers) == 1:
            return SkillResult(_describe(timers[0], now), data)
        lines = " ".join(self._line(t, now) for t in timers)
        return SkillResult(f"You have {len(timers)} timers. {lines}", data)

    async def _cancel(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        async with self.db.transaction() as session:
            timers = await self._active(session, ctx, (*_ACTIVE, "ringing"))
            if not timers:
                return SkillResult("You don't have any timers.", {"cancelled": []}, ok=False)
            if args.get("all"):
                chosen = list(timers)
            else:
                picked = self._pick(timers, args.get("name"), "cancel", "ringing")  # "cancel the timer" while one rings
                if isinstance(picked, SkillResult):
                    return picked
                chosen = [picked]
            ringing = [t for t in chosen if t.state == "ringing"]
            for timer in chosen:
                timer.state = "done" if timer.state == "ringing" else "cancelled"
                timer.paused_remaining_s = None
        for timer in chosen:
            self.scheduler.unschedule("timer", timer.id)
        for timer in ringing:
            await self.scheduler.stop_ringing(timer.device_id, f"timer:{timer.id}")
        data = {"cancelled": [t.name for t in chosen]}
        if len(chosen) > 1:
            return SkillResult(f"All {len(chosen)} timers cancelled.", data)
        return SkillResult(f"{chosen[0].name.capitalize()} timer cancelled.", data)

    async def _pause(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        now = utc(ctx.now())
        async with self.db.transaction() as session:
            picked = self._pick(await self._active(session, ctx), args.get("name"), "pause", "running")
            if isinstance(picked, SkillResult):
                return picked
            if picked.state == "paused":
                return SkillResult(f"{_the(picked).capitalize()} is already paused.", ok=False)
            picked.paused_remaining_s = _remaining(picked, now)
            picked.state = "paused"
        self.scheduler.unschedule("timer", picked.id)
        left = spoken.duration(picked.paused_remaining_s)
        return SkillResult(
            f"{picked.name.capitalize()} timer paused with {left} left.",
            {"name": picked.name, "remaining_s": picked.paused_remaining_s},
        )

    async def _resume(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        now = utc(ctx.now())
        async with self.db.transaction() as session:
            picked = self._pick(await self._active(session, ctx), args.get("name"), "resume", "paused")
            if isinstance(picked, SkillResult):
                return picked
            if picked.state != "paused":
                return SkillResult(f"{_the(picked).capitalize()} isn't paused.", ok=False)
            left = _remaining(picked, now)
            picked.ends_at = now + dt.timedelta(seconds=left)
            picked.paused_remaining_s = None
            picked.state = "running"
        self.scheduler.schedule("timer", picked.id, picked.ends_at)
        return SkillResult(
            f"{picked.name.capitalize()} timer resumed, {spoken.duration(left)} left.",
            {"name": picked.name, "remaining_s": left, "ends_at": picked.ends_at.isoformat()},
        )

    async def _adjust(self, args: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        delta = int(args["delta_s"])
        now = utc(ctx.now())
        async with self.db.transaction() as session:
            picked = self._pick(await self._active(session, ctx), args.get("name"), "change")
            if isinstance(picked, SkillResult):
                return picked
            before = _remaining(picked, now)
            after = before + delta
            if delta == 0:
                return SkillResult(f"That leaves {_the(picked)} as it is.", ok=False)
            if after < 1:
                return SkillResult(
                    f"{_the(picked).capitalize()} only has {spoken.duration(before)} left.",
                    {"error": "too-short", "remaining_s": before},
                    ok=False,
                )
            if after > MAX_SECONDS:
                return SkillResult("Timers can run for up to 24 hours.", {"error": "too-long"}, ok=False)
            if picked.state == "paused":
                picked.paused_remaining_s = after
            else:
                picked.ends_at = picked.ends_at + dt.timedelta(seconds=delta)
        if picked.state == "running":
            self.scheduler.schedule("timer", picked.id, picked.ends_at)
        change = f"Added {spoken.duration(delta)} to" if delta > 0 else f"Took {spoken.duration(-delta)} off"
        return SkillResult(
            f"{change} {_the(picked)}, {spoken.duration(after)} left.",
            {"name": picked.name, "remaining_s": after},
        )

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    async def _active(session: AsyncSession, ctx: SkillContext, states: Sequence[str] = _ACTIVE) -> list[Timer]:
        query = (
            select(Timer)
            .where(Timer.household_id == ctx.household_id, Timer.device_id == ctx.device_id, Timer.state.in_(states))
            .order_by(Timer.created_at, Timer.id)
        )
        return list((await session.scalars(query)).all())

    @staticmethod
    def _unnamed(label: str, taken: set[str]) -> str:
        if label not in taken:
            return label
        for ordinal in _ORDINALS:
            if f"{ordinal} {label}" not in taken:
                return f"{ordinal} {label}"
        return f"another {label}"

    @staticmethod
    def _pick(timers: Sequence[Timer], name: str | None, verb: str, prefer: str = "") -> Timer | SkillResult:
        """The timer meant by ``name`` (or the only one); else a question or a refusal.

        Without a name, timers in state ``prefer`` are the candidates when there
        are any ("resume the timer" with one paused and one running)."""
        if not timers:
            return SkillResult("You don't have any timers.", ok=False)
        wanted = normalise_name(name)
        if wanted:
            exact = [t for t in timers if t.name == wanted]
            candidates = exact or [t for t in timers if re.search(rf"\b{re.escape(wanted)}\b", t.name)]
            if not candidates:
                return SkillResult(f"You don't have a {wanted} timer.", {"error": "not-found"}, ok=False)
        else:
            candidates = [t for t in timers if t.state == prefer] or list(timers)
        if len(candidates) == 1:
            return candidates[0]
        names = [f"the {t.name} timer" for t in candidates]
        return SkillResult(
            f"Which timer do you want to {verb}: {spoken.join(names, 'or')}?",
            {"question": True, "choices": [t.name for t in candidates]},
            ok=False,
        )

    @staticmethod
    def _line(timer: Timer, now: dt.datetime) -> str:
        left = spoken.duration(_remaining(timer, now))
        if timer.state == "paused":
            return f"{_the(timer).capitalize()} is paused with {left} left."
        if timer.state == "ringing":
            return f"{_the(timer).capitalize()} is done."
        return f"{_the(timer).capitalize()} has {left} left."
