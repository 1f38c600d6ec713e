"""A device's timers, as ESPHome timer events: the device shows them and rings when one finishes.

Home Assistant pushes ``started``/``updated``/``cancelled``/``finished`` as its timers
change. Hark's timers live in the database (the scheduler rings them through the
household's hub), so the device's view is kept by comparing: after every run on the
device (the only place its timers are set, paused, changed or cancelled by voice) and on
connect (a device that restarted knows none), the device's active timers are read and
what changed is sent. ``finished`` is sent when the hub rings the timer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from aioesphomeapi import VoiceAssistantTimerEventType
from sqlalchemy import select

from ..store import Database, Timer

log = logging.getLogger(__name__)

T = VoiceAssistantTimerEventType
ACTIVE = ("running", "paused")

SendTimer = Callable[[VoiceAssistantTimerEventType, str, str | None, int, int, bool], None]
"""``APIClient.send_voice_assistant_timer_event``: (type, id, name, total_seconds, seconds_left, is_active)."""


@dataclasses.dataclass(frozen=True, slots=True)
class TimerView:
    timer_id: str
    name: str
    total_seconds: int
    ends_at: dt.datetime
    paused_left_s: float | None

    def seconds_left(self, now: dt.datetime) -> int:
        if self.paused_left_s is not None:
            return max(0, round(self.paused_left_s))
        return max(0, round((self.ends_at - now).total_seconds()))

    @property
    def active(self) -> bool:
        return self.paused_left_s is None


def _view(timer: Timer) -> TimerView:
    paused = (timer.paused_remaining_s or 0.0) if timer.state == "paused" else None
    return TimerView(str(timer.id), timer.name, timer.duration_s, timer.ends_at, paused)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TimerSync:
    """Keeps one device's view of its timers. ``send`` may raise when disconnected: the next
    connection starts over (:meth:`forget`)."""

    def __init__(
        self, db: Database, device_id: str, send: SendTimer, *, now: Callable[[], dt.datetime] = _utcnow
    ) -> None:
        self.db = db
        self.device_id = device_id
        self.send = send
        self.now = now
        self.known: dict[str, TimerView] = {}
        self.ringing: set[str] = set()
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        self.known.clear()
        self.ringing.clear()

    async def sync(self) -> None:
        """Send what changed since the last look."""
        async with self._lock:
            await self._sync()

    async def _sync(self) -> None:
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(Timer).where(Timer.device_id == self.device_id, Timer.state.in_(ACTIVE)).order_by(Timer.id)
                )
            ).all()
            views = {v.timer_id: v for v in map(_view, rows)}
        now = self.now()
        for timer_id, view in views.items():
            old = self.known.get(timer_id)
            if old is None:
                self._send(T.VOICE_ASSISTANT_TIMER_STARTED, view, now)
            elif old != view:
                self._send(T.VOICE_ASSISTANT_TIMER_UPDATED, view, now)
        for timer_id, old in self.known.items():
            if timer_id not in views and timer_id not in self.ringing:
                self._send(T.VOICE_ASSISTANT_TIMER_CANCELLED, old, now)
        self.known = views

    async def finished(self, timer_id: str) -> bool:
        """The timer rang: the device rings it. False if there is no such timer of this device."""
        async with self.db.transaction() as session:
            row = await session.get(Timer, int(timer_id)) if timer_id.isdigit() else None
            view = _view(row) if row is not None and row.device_id == self.device_id else None
        if view is None:
            return False
        self.known.pop(timer_id, None)
        self.ringing.add(timer_id)
        self.send(T.VOICE_ASSISTANT_TIMER_FINISHED, view.timer_id, view.name, view.total_seconds, 0, False)
        return True

    def stopped(self, timer_id: str | None = None) -> bool:
        """Stop ringing one timer (or all): the device is told it is over."""
        ids = [timer_id] if timer_id is not None else sorted(self.ringing)
        stopped = False
        for tid in ids:
            if tid in self.ringing:
                self.ringing.discard(tid)
                self.send(T.VOICE_ASSISTANT_TIMER_CANCELLED, tid, None, 0, 0, False)
                stopped = True
        return stopped

    def _send(self, kind: VoiceAssistantTimerEventType, view: TimerView, now: dt.datetime) -> None:
        self.send(kind, view.timer_id, view.name, view.total_seconds, view.seconds_left(now), view.active)
