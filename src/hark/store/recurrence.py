"""When an alarm rings next, computed in local wall-clock time.

All arithmetic on instants is done in UTC; local time is only used to build the
candidate "07:00 on that date" with :mod:`zoneinfo`, so an alarm stays at 7:00
local across a DST change (its UTC time moves by an hour). Two pitfalls this
avoids: adding a ``timedelta`` to an aware local datetime is wall-clock
arithmetic, and comparing two datetimes that share a ``tzinfo`` ignores their
offsets. A wall time that does not exist (02:30 on the spring-forward night)
rings at the instant it maps to (03:30); one that exists twice rings the first
time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> dt.time:
    """``"7:05"`` or ``"07:05"`` to a time; ValueError otherwise."""
    m = _HHMM.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a 24-hour HH:MM time")
    return dt.time(int(m.group(1)), int(m.group(2)))


def format_hhmm(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_days(text: str) -> tuple[int, ...]:
    """``"mon,tue"`` (as stored) to weekday numbers (Monday 0)."""
    return tuple(sorted({WEEKDAYS.index(d) for d in text.split(",") if d}))


def format_days(days: Iterable[int | str]) -> str:
    """Weekday numbers or names to the stored form, in week order: ``"mon,wed"``."""
    numbers = {d if isinstance(d, int) else WEEKDAYS.index(d) for d in days}
    return ",".join(WEEKDAYS[d] for d in sorted(numbers))


def at_local(date: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The UTC instant of wall time ``time`` on ``date`` in ``tz``."""
    return dt.datetime.combine(date, time, tzinfo=tz).astimezone(dt.UTC)


def next_occurrence(
    time: dt.time,
    *,
    after: dt.datetime,
    days: Collection[int] = (),
    date: dt.date | None = None,
) -> dt.datetime | None:
    """The first ring strictly after ``after``, as UTC; ``None`` if a one-off ``date`` has passed.

    ``after`` must be aware and in the local zone the alarm is meant for (its
    ``tzinfo`` is that zone). With ``days`` the alarm recurs on those weekdays;
    with ``date`` it rings once; with neither it rings at the next ``time``
    (today if still ahead, else tomorrow).
    """
    tz = after.tzinfo
    if tz is None:
        raise ValueError("after must be an aware datetime")
    after_utc = after.astimezone(dt.UTC)
    if date is not None:
        candidate = at_local(date, time, tz)
        return candidate if candidate > after_utc else None
    today = after.date()
    for offset in range(8):
        day = today + dt.timedelta(days=offset)
        if days and day.weekday() not in days:
            continue
        candidate = at_local(day, time, tz)
        if candidate > after_utc:
            return candidate
    raise AssertionError("unreachable: a week always holds the next occurrence")
