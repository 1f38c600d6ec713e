"""hark.nlu.numbers: numbers, durations, clock times and relative dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hark.nlu.numbers import (
    ClockTime,
    parse_clock,
    parse_date,
    parse_datetime,
    parse_duration,
    parse_int,
    parse_number,
    parse_weekdays,
    resolve_clock,
)

TZ = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=TZ)  # a Friday, 15:00


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("25", 25),
        ("twenty five", 25),
        ("twenty-five", 25),
        ("a hundred and five", 105),
        ("one hundred", 100),
        ("three thousand two hundred", 3200),
        ("two thousand and five", 2005),
        ("1.5", 1.5),
        ("1,000", 1000),
        ("a half", 0.5),
        ("half", 0.5),
        ("two and a half", 2.5),
        ("1 and a half", 1.5),
        ("one point five", 1.5),
        ("minus five", -5),
        ("-3", -3),
        ("3/4", 0.75),
        ("zero", 0),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "five five", "seven thirty", "twenty hundred twenty", "banana", "one two", "1/0"])
def test_parse_number_refuses(text: str) -> None:
    assert parse_number(text) is None


def test_parse_int() -> None:
    assert parse_int("forty two") == 42
    assert parse_int("2.5") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("five minutes", 300),
        ("5 minutes", 300),
        ("1 hour and a half", 5400),
        ("an hour and a half", 5400),
        ("an hour and 20 minutes", 4800),
        ("90 seconds", 90),
        ("two and a half hours", 9000),
        ("half an hour", 1800),
        ("a quarter of an hour", 900),
        ("three quarters of an hour", 2700),
        ("1 hour 30 minutes", 5400),
        ("10 minutes and 30 seconds", 630),
        ("a minute and a half", 90),
        ("5 min", 300),
        ("1h30", 5400),
        ("twenty five minutes", 1500),
        ("minus five minutes", -300),
        ("900 days", 900 * 86400),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["five", "minutes", "20 seconds 5 minutes", "pasta", "five bananas", ""])
def test_parse_duration_refuses(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30 pm", ClockTime(19, 30)),
        ("7:30pm", ClockTime(19, 30)),
        ("7 p.m.", ClockTime(19, 0)),
        ("19:30", ClockTime(19, 30)),
        ("7 am", ClockTime(7, 0)),
        ("12 am", ClockTime(0, 0)),
        ("12 pm", ClockTime(12, 0)),
        ("noon", ClockTime(12, 0)),
        ("midnight", ClockTime(0, 0)),
        ("seven thirty", ClockTime(7, 30, ambiguous=True)),
        ("seven oh five", ClockTime(7, 5, ambiguous=True)),
        ("7 o'clock", ClockTime(7, 0, ambiguous=True)),
        ("half past six", ClockTime(6, 30, ambiguous=True)),
        ("quarter to eight", ClockTime(7, 45, ambiguous=True)),
        ("twenty five to seven", ClockTime(6, 35, ambiguous=True)),
        ("ten past nine in the evening", ClockTime(21, 10)),
        ("6 in the morning", ClockTime(6, 0)),
        ("quarter to midnight", ClockTime(23, 45)),
        ("6", ClockTime(6, 0, ambiguous=True)),
    ],
)
def test_parse_clock(text: str, expected: ClockTime) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["13 pm", "25:00", "7:75", "banana", "noon pm", ""])
def test_parse_clock_refuses(text: str) -> None:
    assert parse_clock(text) is None


def test_ambiguous_hour_is_the_next_occurrence() -> None:
    six = parse_clock("6")
    assert six is not None
    assert resolve_clock(six, NOW) == dt.datetime(2025, 3, 14, 18, 0, tzinfo=TZ)
    late = NOW.replace(hour=19)
    assert resolve_clock(six, late) == dt.datetime(2025, 3, 15, 6, 0, tzinfo=TZ)
    # on a given day: the first reading still ahead, so "tomorrow at 6" is 6 am
    assert resolve_clock(six, NOW, dt.date(2025, 3, 15)).hour == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow at noon", dt.datetime(2025, 3, 15, 12, 0)),
        ("at noon tomorrow", dt.datetime(2025, 3, 15, 12, 0)),
        ("in 20 minutes", dt.datetime(2025, 3, 14, 15, 20)),
        ("in an hour and a half", dt.datetime(2025, 3, 14, 16, 30)),
        ("on monday at 7:30", dt.datetime(2025, 3, 17, 7, 30)),
        ("at 9 on monday", dt.datetime(2025, 3, 17, 9, 0)),
        ("friday at 9 am", dt.datetime(2025, 3, 21, 9, 0)),  # today is Friday, 9 am is past
        ("at 6", dt.datetime(2025, 3, 14, 18, 0)),
        ("6 pm", dt.datetime(2025, 3, 14, 18, 0)),
        ("tonight at 8", dt.datetime(2025, 3, 14, 20, 0)),
        ("tomorrow morning", dt.datetime(2025, 3, 15, 9, 0)),
        ("6 tomorrow", dt.datetime(2025, 3, 15, 6, 0)),
        ("next tuesday at 10", dt.datetime(2025, 3, 18, 10, 0)),
    ],
)
def test_parse_datetime(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text, NOW) == expected.replace(tzinfo=TZ)


@pytest.mark.parametrize("text", ["tomorrow", "whenever", "in five bananas", "yesterday at 6", "in minus 5 minutes"])
def test_parse_datetime_refuses(text: str) -> None:
    assert parse_datetime(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("today", 0),
        ("tomorrow", 1),
        ("yesterday", -1),
        ("the day after tomorrow", 2),
        ("on friday", 0),
        ("monday", 3),
        ("in 3 days", 3),
        ("next week", 7),
    ],
)
def test_parse_date(text: str, offset: int) -> None:
    assert parse_date(text, NOW.date()) == NOW.date() + dt.timedelta(days=offset)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("weekdays", ("mon", "tue", "wed", "thu", "fri")),
        ("every day", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        ("weekends", ("sat", "sun")),
        ("every monday and friday", ("mon", "fri")),
        ("mondays, wednesdays and fridays", ("mon", "wed", "fri")),
    ],
)
def test_parse_weekdays(text: str, days: tuple[str, ...]) -> None:
    assert parse_weekdays(text) == days


def test_parse_weekdays_refuses() -> None:
    assert parse_weekdays("tomorrow") is None
    assert parse_weekdays("day") is None
