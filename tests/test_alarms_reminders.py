"""Alarms (one-off, recurring, DST) and reminders, through the registry and the scheduler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from hark.scheduler import Scheduler
from hark.skills.base import ToolArgumentError
from hark.store import Alarm, Database, Reminder, Timer
from hark.store.recurrence import next_occurrence
from tests.storefakes import PARIS, FakeClock, RecordingAnnouncer, open_stack, store_url

UTC = dt.UTC
SEVEN = dt.time(7, 0)


def _paris(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("after", "days", "expected"),
    [
        (_paris(2025, 3, 12, 6, 0), (), _paris(2025, 3, 12, 7, 0)),  # later today
        (_paris(2025, 3, 12, 7, 0), (), _paris(2025, 3, 13, 7, 0)),  # strictly after: tomorrow
        (_paris(2025, 3, 14, 8, 0), (0, 1, 2, 3, 4), _paris(2025, 3, 17, 7, 0)),  # Friday -> Monday
        (_paris(2025, 3, 12, 8, 0), (2,), _paris(2025, 3, 19, 7, 0)),  # Wednesdays: next week
        (_paris(2025, 3, 29, 8, 0), (), dt.datetime(2025, 3, 30, 5, 0, tzinfo=UTC)),  # spring forward: UTC+2
        (_paris(2025, 10, 25, 8, 0), (), dt.datetime(2025, 10, 26, 6, 0, tzinfo=UTC)),  # fall back: UTC+1
    ],
)
def test_next_occurrence(after: dt.datetime, days: tuple[int, ...], expected: dt.datetime) -> None:
    result = next_occurrence(SEVEN, after=after, days=days)
    assert result == expected and result is not None and result.tzinfo == UTC


def test_next_occurrence_one_off_and_dst_gap() -> None:
    assert next_occurrence(SEVEN, after=_paris(2025, 3, 12, 8, 0), date=dt.date(2025, 3, 12)) is None
    assert next_occurrence(SEVEN, after=_paris(2025, 3, 12, 8, 0), date=dt.date(2025, 3, 20)) == _paris(
        2025, 3, 20, 7, 0
    )
    # 02:30 does not exist in Paris on 30 March 2025: it rings at the instant it maps to (03:30 local).
    gap = next_occurrence(dt.time(2, 30), after=_paris(2025, 3, 29, 8, 0))
    assert gap == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


async def test_set_list_and_ring_alarms(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:  # Wednesday 10:00
        weekdays = await stack.call("alarm_set", time="07:00", days=["mon", "tue", "wed", "thu", "fri"])
        assert weekdays.speech == "Alarm set for 7:00 on weekdays."
        tomorrow = await stack.call("alarm_set", time="9:30")
        assert tomorrow.speech == "Alarm set for 9:30 tomorrow."
        listed = await stack.call("alarm_list")
        assert listed.speech == "You have 2 alarms: 7:00 on weekdays and 9:30 tomorrow."
        again = await stack.call("alarm_set", time="7:00", days=["fri", "mon", "tue", "wed", "thu"])
        assert again.data["duplicate"] and again.speech == "You already have an alarm for 7:00 on weekdays."

        stack.clock.set(_paris(2025, 3, 13, 7, 0))
        (ring,) = await stack.announcer.wait_for(1)
        assert (ring.text, ring.repeat_until_stopped, ring.key) == ("It's 7:00.", True, f"alarm:{weekdays.data['id']}")
        stack.clock.set(_paris(2025, 3, 13, 9, 30))
        assert (await stack.announcer.wait_for(2))[1].text == "It's 9:30."
        await stack.settle()
        assert list(stack.scheduler.pending().values()) == [_paris(2025, 3, 14, 7, 0)]  # the weekday one moved on
        assert (await stack.call("alarm_list")).speech == "You have 1 alarm: 7:00 on weekdays."
        stack.clock.set(_paris(2025, 3, 14, 7, 0))
        await stack.announcer.wait_for(3)
        await stack.settle()
        assert list(stack.scheduler.pending().values()) == [_paris(2025, 3, 17, 7, 0)]  # Friday -> Monday


async def test_a_daily_alarm_keeps_its_local_time_across_dst(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db", _paris(2025, 3, 29, 10, 0)) as stack:
        await stack.call("alarm_set", time="07:00", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], label="gym")
        assert list(stack.scheduler.pending().values()) == [dt.datetime(2025, 3, 30, 5, 0, tzinfo=UTC)]
        stack.clock.set(dt.datetime(2025, 3, 30, 5, 0, tzinfo=UTC))
        assert (await stack.announcer.wait_for(1))[0].text == "It's 7:00. Gym."
        await stack.settle()
        assert list(stack.scheduler.pending().values()) == [dt.datetime(2025, 3, 31, 5, 0, tzinfo=UTC)]


async def test_alarm_refusals(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        with pytest.raises(ToolArgumentError, match=r"^arguments.time: '25:00' does not match the pattern"):
            await stack.call("alarm_set", time="25:00")
        past = await stack.call("alarm_set", time="07:00", date="2025-03-12")
        assert not past.ok and past.speech == "That time has already passed."
        both = await stack.call("alarm_set", time="07:00", date="2025-03-20", days=["mon"])
        assert not both.ok
        async with stack.db.transaction() as session:
            assert (await session.scalars(select(Alarm))).all() == []


async def test_cancel_alarms_by_time_label_or_all(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("alarm_set", time="07:00", days=["mon", "tue", "wed", "thu", "fri"])
        await stack.call("alarm_set", time="07:00", date="2025-03-15", label="Hiking")
        await stack.call("alarm_set", time="06:15", days=["sat", "sun"])
        question = await stack.call("alarm_cancel", time="7:00")
        assert not question.ok
        assert question.speech == "Which alarm do you want to cancel: 7:00 on weekdays or 7:00 on Saturday?"
        assert (await stack.call("alarm_cancel", label="hiking")).speech == "Cancelled your alarm for 7:00 on Saturday."
        assert (await stack.call("alarm_cancel", time="07:00")).speech == "Cancelled your alarm for 7:00 on weekdays."
        assert not (await stack.call("alarm_cancel", time="08:00")).ok
        assert (await stack.call("alarm_list")).speech == "You have 1 alarm: 6:15 at weekends."
        assert (await stack.call("alarm_cancel", all=True)).speech == "Cancelled your alarm for 6:15 at weekends."
        assert (await stack.call("alarm_list")).speech == "You don't have any alarms."
        assert stack.scheduler.pending() == {}


async def test_reminders_set_list_ring_and_cancel(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:  # Wednesday 10:00 Paris
        reply = await stack.call("reminder_set", text="to call mum", at="2025-03-12T18:00:00")
        assert reply.speech == "OK, I'll remind you to call mum today at 18:00."
        await stack.call("reminder_set", text="take the bins out", at="2025-03-13T08:00")
        await stack.call("reminder_set", text="water the plants", at="2025-03-13T09:00:00+01:00")
        listed = await stack.call("reminder_list")
        assert listed.speech == (
            "You have 3 reminders: call mum today at 18:00, take the bins out tomorrow at 8:00 "
            "and water the plants tomorrow at 9:00."
        )
        past = await stack.call("reminder_set", text="x", at="2025-03-12T09:00:00")
        assert not past.ok and past.speech == "That time has already passed."
        question = await stack.call("reminder_cancel")
        assert not question.ok and question.speech.startswith("Which reminder do you want to cancel: call mum, ")
        assert (
            await stack.call("reminder_cancel", text="plants")
        ).speech == "Cancelled the reminder to water the plants."

        stack.clock.set(_paris(2025, 3, 12, 18, 0))
        (ring,) = await stack.announcer.wait_for(1)
        assert (ring.text, ring.repeat_until_stopped) == ("Here's your reminder: call mum.", False)
        async with stack.db.transaction() as session:
            states = {r.text: r.state for r in (await session.scalars(select(Reminder))).all()}
        assert states == {"call mum": "announced", "take the bins out": "pending", "water the plants": "cancelled"}
        assert (await stack.call("reminder_cancel", all=True)).speech == "Cancelled the reminder to take the bins out."
        assert (await stack.call("reminder_list")).speech == "You don't have any reminders."


async def test_items_due_while_down_ring_at_once_marked_late(tmp_path: Path) -> None:
    path = tmp_path / "hark.db"
    async with open_stack(path) as stack:  # Wednesday 10:00
        await stack.call("timer_start", duration_s=600, name="pasta")
        await stack.call("timer_start", duration_s=7200, name="roast")
        await stack.call("alarm_set", time="10:05", days=["wed"])
        await stack.call("reminder_set", text="call mum", at="2025-03-12T10:08:00")
    # "Hark is down" from 10:00 to 10:13.
    db = Database(store_url(path))
    await db.open()
    clock = FakeClock(_paris(2025, 3, 12, 10, 13))
    announcer = RecordingAnnouncer()
    scheduler = Scheduler(db, announcer, clock)
    try:
        await scheduler.start()
        await announcer.wait_for(3)
        assert sorted(announcer.texts) == [
            "This reminder was due 5 minutes ago: call mum.",
            "Your 10:05 alarm went off 8 minutes ago.",
            "Your pasta timer finished 3 minutes ago.",
        ]
        async with db.transaction() as session:
            timers = {t.name: (t.state, t.late) for t in (await session.scalars(select(Timer))).all()}
            reminder = (await session.scalars(select(Reminder))).one()
            alarm = (await session.scalars(select(Alarm))).one()
        assert timers == {"pasta": ("ringing", True), "roast": ("running", False)}
        assert reminder.late and reminder.state == "announced"
        assert alarm.next_at == _paris(2025, 3, 19, 10, 5)
        assert set(scheduler.pending()) == {"timer:2", "alarm:1"}
    finally:
        await scheduler.stop()
    # A timer still ringing (never stopped) when Hark went down rings again on the next start.
    scheduler = Scheduler(db, announcer, clock)
    try:
        await scheduler.start()
        await announcer.wait_for(4)
        assert announcer.texts[3] == "Your pasta timer finished 3 minutes ago."
    finally:
        await scheduler.stop()
        await db.close()
