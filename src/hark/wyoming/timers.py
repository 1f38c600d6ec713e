"""A satellite's timers as Wyoming ``timer-*`` events (the satellite shows or rings them).

Hark's timers live in the household's database; after each turn that touched them, the
device's running and paused timers are read again and the difference goes out:
``timer-started`` for a new one, ``timer-updated`` when one was paused, resumed or changed,
``timer-cancelled`` when one went without ringing. ``timer-finished`` is sent when the household
hub rings it on this device (``timer:<id>``, see :mod:`.satellite`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from wyoming.event import Event
from wyoming.timer import TimerCancelled, TimerStarted, TimerUpdated

from ..household import Household
from ..store.models import Timer


@dataclasses.dataclass(frozen=True, slots=True)
class _Seen:
    name: str
    active: bool
    remaining: int
    mark: str
    """When it ends (running) or what was left (paused): a change is an update, time passing is not."""


def _split(seconds: int) -> tuple[int, int, int]:
    return seconds // 3600, seconds % 3600 // 60, seconds % 60


class TimerWatch:
    def __init__(self, household: Household, device_id: str, send: Callable[[Event], None]) -> None:
        self.household = household
        self.device_id = device_id
        self.send = send
        self.seen: dict[int, _Seen] = {}

    async def refresh(self) -> None:
        now = dt.datetime.now(dt.UTC)
        async with self.household.db.transaction() as session:
            rows = (await session.scalars(select(Timer).where(Timer.device_id == self.device_id))).all()
            timers = [
                (t.id, t.name, t.state, t.duration_s, t.ends_at, t.paused_remaining_s)
                for t in rows
                if t.state in ("running", "paused") or t.id in self.seen
            ]
        for timer_id, name, state, duration_s, ends_at, paused_left in timers:
            if state not in ("running", "paused"):
                if self.seen.pop(timer_id, None) is not None and state == "cancelled":
                    self.send(TimerCancelled(id=str(timer_id)).event())
                continue  # rang ("ringing", "done"): timer-finished was sent when it rang
            ends = ends_at if ends_at.tzinfo else ends_at.replace(tzinfo=dt.UTC)
            left = round(paused_left if state == "paused" and paused_left is not None else (ends - now).total_seconds())
            mark = f"left {paused_left}" if state == "paused" else f"ends {ends.isoformat()}"
            seen = _Seen(name, state == "running", max(0, left), mark)
            before = self.seen.get(timer_id)
            self.seen[timer_id] = seen
            if before is None:
                h, m, s = _split(duration_s)
                self.send(
                    TimerStarted(
                        id=str(timer_id),
                        total_seconds=seen.remaining,
                        name=name,
                        start_hours=h,
                        start_minutes=m,
                        start_seconds=s,
                    ).event()
                )
            elif before.mark != seen.mark:
                self.send(TimerUpdated(id=str(timer_id), is_active=seen.active, total_seconds=seen.remaining).event())

    def finished(self, timer_id: int) -> None:
        self.seen.pop(timer_id, None)
