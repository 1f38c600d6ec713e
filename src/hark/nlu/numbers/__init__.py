"""Numbers, durations, clock times and relative dates, in words or digits (English).

Pure functions: nothing here reads the clock; callers pass a tz-aware ``now``.
Every parser returns ``None`` when it cannot read the *whole* text, never a
guess from part of it: the classic brain then passes the request on instead of
acting on a misunderstanding.

Conventions are chosen once and documented in the module they govern:

* :mod:`.words`: numbers ("twenty five", "two and a half", "3/4") and the shared tokenizer.
* :mod:`.duration`: durations ("an hour and 20 minutes").
* :mod:`.clock`: times of day, and how a bare hour ("at 6") picks a.m. or p.m.
* :mod:`.dates`: relative dates ("next friday") and recurring weekdays ("weekdays").
* :mod:`.moments`: a day and a time together ("tomorrow at 6"), parts of the day
  ("tomorrow morning" is 09:00), and why a date without a time is no moment.
"""

from __future__ import annotations

from .clock import ClockTime, parse_clock, resolve_clock
from .dates import WEEKDAYS as WEEKDAYS
from .dates import parse_date, parse_weekdays
from .duration import parse_duration
from .moments import parse_datetime
from .words import parse_int, parse_number

__all__ = [
    "ClockTime",
    "parse_clock",
    "parse_date",
    "parse_datetime",
    "parse_duration",
    "parse_int",
    "parse_number",
    "parse_weekdays",
    "resolve_clock",
]
