"""Wake-ups for timers, alarms and reminders: one sleeping task per pending item.

The database is the truth; the scheduler only knows *when* to look at it. Each
pending item gets one asyncio task that sleeps until its due time (a single
sleep to the deadline, no polling) and then re-reads the row in a transaction
before ringing, so a change that raced with the wake-up (a pause, an adjust, a
cancel) wins. Skills call :meth:`Scheduler.schedule` after committing a new
due time and :meth:`Scheduler.unschedule` after cancelling; the old task is
cancelled and replaced.

On :meth:`Scheduler.start` every pending row is loaded, so items survive a
restart or ``kill -9``. Items whose time passed while Hark was down ring at
once and are marked ``late``, and the announcement says so ("Your tea timer
finished 3 minutes ago"). "Late" means rung more than ``late_after_s`` after the
due time, which also covers a loop stalled for that long.

Times: the DB holds UTC; the clock's ``now()`` is aware and in the local zone
(alarms are rescheduled in it); every comparison and subtraction is done on
UTC values because Python ignores offsets between datetimes sharing a tzinfo.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from typing import Literal, Protocol

from sqlalchemy import select, update

from .skills.base import Announcer
from .store import Alarm, Database, Reminder, StorageError, Timer, spoken
from .store.recurrence import next_occurrence, parse_days, parse_hhmm

log = logging.getLogger(__name__)

ItemKind = Literal["timer", "alarm", "reminder"]


def utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC)


class Clock(Protocol):
    """Wall-clock time for the scheduler and skills (injectable for tests)."""

    def now(self) -> dt.datetime:
        """The current time, aware, in the local zone."""
        ...

    async def sleep_until(self, when: dt.datetime) -> None:
        """Return once ``now() >= when``."""
        ...


class SystemClock:
    """The real clock. ``tz`` is the configured zone (``ZoneInfo(settings.brain.timezone)``);
    ``None`` uses the machine's, as a fixed offset, so prefer a ZoneInfo for DST-safe alarms."""

    def __init__(self, tz: dt.tzinfo | None = None) -> None:
        self.tz = tz

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz) if self.tz is not None else dt.datetime.now().astimezone()

    async def sleep_until(self, when: dt.datetime) -> None:
        # One sleep to the deadline. asyncio sleeps on the monotonic clock, so if
        # the wall clock was stepped meanwhile we sleep again for what is left.
        # Not a polling loop (ASYNC110): it runs again only after a clock step.
        while (left := (utc(when) - utc(self.now())).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)


@dataclasses.dataclass(frozen=True, slots=True)
class _Ring:
    device_id: str
    text: str
    key: str
    repeat: bool


class Scheduler:
    """Owns every due-time wake-up. ``await start()`` after the database is open,
    ``await stop()`` before it closes.

    :param db: the open store.
    :param announcer: how a device is made to speak.
    :param clock: :class:`SystemClock` by default.
    :param late_after_s: a ring this much after its due time is "late".
    :param retry_s: wait before retrying a ring whose database update failed.
    """

    def __init__(
        self,
        db: Database,
        announcer: Announcer,
        clock: Clock | None = None,
        *,
        late_after_s: float = 2.0,
        retry_s: float = 5.0,
    ) -> None:
        self.db = db
        self.announcer = announcer
        self.clock: Clock = clock or SystemClock()
        self.late_after = dt.timedelta(seconds=late_after_s)
        self.retry = dt.timedelta(seconds=retry_s)
        self._sleeping: dict[tuple[ItemKind, int], tuple[asyncio.Task[None], dt.datetime]] = {}
        self._live: set[asyncio.Task[None]] = set()
        self._started = False

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        """Load every pending timer, alarm and reminder and schedule it."""
        if self._started:
            return
        async with self.db.transaction() as session:
            timers = (await session.scalars(select(Timer).where(Timer.state.in_(("running", "ringing"))))).all()
            alarms = (
                await session.scalars(select(Alarm).where(Alarm.enabled.is_(True), Alarm.next_at.is_not(None)))
            ).all()
            reminders = (await session.scalars(select(Reminder).where(Reminder.state == "pending"))).all()
        self._started = True
        for timer in timers:
            self.schedule("timer", timer.id, timer.ends_at)
        for alarm in alarms:
            assert alarm.next_at is not None
            self.schedule("alarm", alarm.id, alarm.next_at)
        for reminder in reminders:
            self.schedule("reminder", reminder.id, reminder.due_at)
        log.info("scheduler started: %d timers, %d alarms, %d reminders", len(timers), len(alarms), len(reminders))

    async def stop(self) -> None:
        """Cancel every task and wait for them to end. Nothing in the DB changes."""
        self._started = False
        self._sleeping.clear()
        tasks = list(self._live)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- what skills call ---------------------------------------------------------

    def schedule(self, kind: ItemKind, item_id: int, due: dt.datetime) -> None:
        """Ring ``kind`` ``item_id`` at ``due`` (replacing any earlier wake-up for it).

        Before :meth:`start` this does nothing: ``start`` reads the row from the DB.
        """
        if not self._started:
            return
        self.unschedule(kind, item_id)
        task = asyncio.create_task(self._run(kind, item_id, utc(due)), name=f"hark-{kind}-{item_id}")
        self._sleeping[(kind, item_id)] = (task, utc(due))
        self._live.add(task)
        task.add_done_callback(self._live.discard)

    def unschedule(self, kind: ItemKind, item_id: int) -> None:
        """Forget the wake-up for an item (cancelled, paused). A ring already under way finishes."""
        entry = self._sleeping.pop((kind, item_id), None)
        if entry is not None:
            entry[0].cancel()

    def pending(self) -> dict[str, dt.datetime]:
        """``{"timer:3": due_utc, ...}``: what is waiting to ring."""
        return {f"{kind}:{item_id}": due for (kind, item_id), (_, due) in self._sleeping.items()}

    async def stop_ringing(self, device_id: str, key: str) -> bool:
        """Stop one ringing announcement (``timer:3``)."""
        return await self.announcer.stop(device_id, key)

    async def acknowledge(self, device_id: str) -> bool:
        """ "Stop": every timer ringing on the device is done and its announcements end.
        True if anything was ringing."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Timer).where(Timer.device_id == device_id, Timer.state == "ringing").values(state="done")
            )
        stopped = await self.announcer.stop(device_id)
        return stopped or bool(getattr(result, "rowcount", 0))

    # -- ringing ------------------------------------------------------------------

    async def _run(self, kind: ItemKind, item_id: int, due: dt.datetime) -> None:
        await self.clock.sleep_until(due)
        # From here on this task is a ring in progress, not a wake-up: a later
        # schedule() for the same item (a recurring alarm's next time) must not cancel it.
        entry = self._sleeping.get((kind, item_id))
        if entry is not None and entry[0] is asyncio.current_task():
            del self._sleeping[(kind, item_id)]
        for attempt in range(3):
            try:
                ring = await self._transition(kind, item_id)
            except StorageError:
                log.exception("could not record the %s %d ringing (attempt %d)", kind, item_id, attempt + 1)
                await self.clock.sleep_until(utc(self.clock.now()) + self.retry)
                continue
            if ring is not None:
                try:
                    await self.announcer.announce(
                        ring.device_id, ring.text, chime=True, repeat_until_stopped=ring.repeat, key=ring.key
                    )
                except Exception:
                    log.exception("announcing %s failed", ring.key)
            return

    async def _transition(self, kind: ItemKind, item_id: int) -> _Ring | None:
        """Mark the item rung in the DB (one transaction) and say what to announce."""
        now = utc(self.clock.now())
        if kind == "timer":
            return await self._ring_timer(item_id, now)
        if kind == "alarm":
            return await self._ring_alarm(item_id, now)
        return await self._ring_reminder(item_id, now)

    def _reschedule_if_moved(self, kind: ItemKind, item_id: int, due: dt.datetime) -> None:
        # The row's time moved later after this task was started; normally the
        # skill has already scheduled the new time, this is the safety net.
        if (kind, item_id) not in self._sleeping:
            self.schedule(kind, item_id, due)

    async def _ring_timer(self, item_id: int, now: dt.datetime) -> _Ring | None:
        async with self.db.transaction() as session:
            timer = await session.get(Timer, item_id)
            if timer is None or timer.state not in ("running", "ringing"):
                return None
            if timer.state == "running" and timer.ends_at > now:
                self._reschedule_if_moved("timer", item_id, timer.ends_at)
                return None
            # A timer found already ringing rang before a restart and was never
            # stopped: ring it again (saying how long ago it finished).
            late = now - timer.ends_at > self.late_after
            if timer.state == "running":
                timer.state = "ringing"
                timer.late = late
            name, device_id, ends_at = timer.name, timer.device_id, timer.ends_at
        if late:
            text = f"Your {name} timer finished {spoken.ago((now - ends_at).total_seconds())} ago."
        else:
            text = f"Your {name} timer is done."
        return _Ring(device_id, text, f"timer:{item_id}", repeat=True)

    async def _ring_alarm(self, item_id: int, now: dt.datetime) -> _Ring | None:
        local_now = self.clock.now()
        async with self.db.transaction() as session:
            alarm = await session.get(Alarm, item_id)
            if alarm is None or not alarm.enabled or alarm.next_at is None:
                return None
            if alarm.next_at > now:
                self._reschedule_if_moved("alarm", item_id, alarm.next_at)
                return None
            rang_for = alarm.next_at
            days = parse_days(alarm.days)
            if days:
                # The next one after now, not after the missed one: a week offline rings once.
                alarm.next_at = next_occurrence(parse_hhmm(alarm.time), after=local_now, days=days)
            else:
                alarm.next_at = None
                alarm.enabled = False
            device_id, label, time, following = alarm.device_id, alarm.label, parse_hhmm(alarm.time), alarm.next_at
        if following is not None:
            self.schedule("alarm", item_id, following)
        late_by = now - rang_for
        about = f" {label[:1].upper()}{label[1:]}." if label else ""
        if late_by > self.late_after:
            text = f"Your {spoken.clock_time(time)} alarm went off {spoken.ago(late_by.total_seconds())} ago.{about}"
        else:
            text = f"It's {spoken.clock_time(time)}.{about}"
        return _Ring(device_id, text, f"alarm:{item_id}", repeat=True)

    async def _ring_reminder(self, item_id: int, now: dt.datetime) -> _Ring | None:
        async with self.db.transaction() as session:
            reminder = await session.get(Reminder, item_id)
            if reminder is None or reminder.state != "pending":
                return None
            if reminder.due_at > now:
                self._reschedule_if_moved("reminder", item_id, reminder.due_at)
                return None
            late_by = now - reminder.due_at
            reminder.state = "announced"
            reminder.late = late_by > self.late_after
            device_id, what, late = reminder.device_id, reminder.text, reminder.late
        if late:
            text = f"This reminder was due {spoken.ago(late_by.total_seconds())} ago: {what}."
        else:
            text = f"Here's your reminder: {what}."
        return _Ring(device_id, text, f"reminder:{item_id}", repeat=False)
