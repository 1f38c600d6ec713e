import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hark.skills.base import Skill, SkillContext, ToolArgumentError
from hark.skills.cities import all_places, find_place
from hark.skills.clock import ClockSkill
from hark.skills.registry import SkillRegistry

# Sunday 22 November 2026, 15:07 in Paris (14:07 UTC).
NOW = dt.datetime(2026, 11, 22, 15, 7, tzinfo=ZoneInfo("Europe/Paris"))


def ctx(now: dt.datetime = NOW) -> SkillContext:
    return SkillContext(now=lambda: now)


@pytest.fixture
def registry() -> SkillRegistry:
    return SkillRegistry([ClockSkill("Europe/Paris")])


def test_is_a_skill_with_strict_schemas() -> None:
    skill = ClockSkill()
    assert isinstance(skill, Skill)
    assert [t.name for t in skill.tools] == ["time_now", "date_today"]
    for tool in skill.tools:
        assert tool.parameters["additionalProperties"] is False


async def test_local_time(registry: SkillRegistry) -> None:
    result = await registry.call("time_now", {}, ctx())
    assert result.ok
    assert result.speech == "It's 3:07 PM."
    assert result.data["time"] == "15:07"
    assert result.data["timezone"] == "Europe/Paris"
    assert result.data["utc_offset_minutes"] == 60


async def test_configured_zone_wins_over_the_clock_zone() -> None:
    result = await ClockSkill("America/New_York").call("time_now", {}, ctx())
    assert result.speech == "It's 9:07 AM."
    assert result.data["date"] == "2026-11-22"


async def test_machine_zone_when_none_configured() -> None:
    result = await ClockSkill("").call("time_now", {}, ctx())
    expected = NOW.astimezone()
    assert result.data["time"] == f"{expected:%H:%M}"


@pytest.mark.parametrize(
    ("city", "speech"),
    [
        ("Tokyo", "It's 11:07 PM in Tokyo."),
        ("tokyo", "It's 11:07 PM in Tokyo."),
        ("New York", "It's 9:07 AM in New York."),
        ("NYC", "It's 9:07 AM in New York."),
        ("new york city", "It's 9:07 AM in New York."),
        ("LA", "It's 6:07 AM in Los Angeles."),
        ("L.A.", "It's 6:07 AM in Los Angeles."),
        ("Sydney", "It's 1:07 AM tomorrow, Monday, in Sydney."),
        ("the UK", "It's 2:07 PM in the United Kingdom."),
        ("São Paulo", "It's 11:07 AM in São Paulo."),
        ("sao paulo", "It's 11:07 AM in São Paulo."),
        ("Mumbai", "It's 7:37 PM in Mumbai."),
        ("Kathmandu", "It's 7:52 PM in Kathmandu."),
        ("Paris, France", "It's 3:07 PM in Paris."),
        ("Japan", "It's 11:07 PM in Japan."),
        ("Kolkata", "It's 7:37 PM in Kolkata."),
        ("Asia/Tokyo", "It's 11:07 PM in Tokyo."),
        ("Dili", "It's 11:07 PM in Dili."),  # not in the table: found in the IANA database
        ("Honolulu", "It's 4:07 AM in Honolulu."),
    ],
)
async def test_time_in_a_city(registry: SkillRegistry, city: str, speech: str) -> None:
    result = await registry.call("time_now", {"city": city}, ctx())
    assert result.ok
    assert result.speech == speech


async def test_time_in_a_city_data(registry: SkillRegistry) -> None:
    result = await registry.call("time_now", {"city": "Sydney"}, ctx())
    assert result.data["city"] == "Sydney"
    assert result.data["timezone"] == "Australia/Sydney"
    assert result.data["time"] == "01:07"
    assert result.data["date"] == "2026-11-23"
    assert result.data["utc_offset_minutes"] == 11 * 60


async def test_time_yesterday_elsewhere() -> None:
    early = dt.datetime(2026, 11, 22, 1, 30, tzinfo=ZoneInfo("Europe/Paris"))
    result = await ClockSkill("Europe/Paris").call("time_now", {"city": "Chicago"}, ctx(early))
    assert result.speech == "It's 6:30 PM yesterday, Saturday, in Chicago."


async def test_unknown_city(registry: SkillRegistry) -> None:
    result = await registry.call("time_now", {"city": "Atlantis"}, ctx())
    assert not result.ok
    assert result.speech == "I don't know the time zone of Atlantis."
    assert result.data == {"error": "unknown-place", "city": "Atlantis"}


async def test_blank_city_is_here(registry: SkillRegistry) -> None:
    result = await registry.call("time_now", {"city": "  "}, ctx())
    assert result.speech == "It's 3:07 PM."


@pytest.mark.parametrize(
    ("offset", "speech", "iso"),
    [
        (0, "Today is Sunday, November 22nd.", "2026-11-22"),
        (1, "Tomorrow is Monday, November 23rd.", "2026-11-23"),
        (-1, "Yesterday was Saturday, November 21st.", "2026-11-21"),
        (3, "In 3 days it will be Wednesday, November 25th.", "2026-11-25"),
        (-7, "7 days ago was Sunday, November 15th.", "2026-11-15"),
        (40, "In 40 days it will be Friday, January 1st, 2027.", "2027-01-01"),
    ],
)
async def test_date(registry: SkillRegistry, offset: int, speech: str, iso: str) -> None:
    result = await registry.call("date_today", {"offset_days": offset}, ctx())
    assert result.ok
    assert result.speech == speech
    assert result.data["date"] == iso
    assert result.data["offset_days"] == offset


async def test_date_defaults_to_today_and_follows_the_zone() -> None:
    late = dt.datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("Europe/Paris"))
    result = await ClockSkill("Asia/Tokyo").call("date_today", {}, ctx(late))
    assert result.speech == "Today is Monday, November 23rd."
    assert result.data["weekday"] == "Monday"


async def test_bad_arguments_are_refused(registry: SkillRegistry) -> None:
    with pytest.raises(ToolArgumentError):
        await registry.call("date_today", {"offset_days": 400}, ctx())
    with pytest.raises(ToolArgumentError):
        await registry.call("time_now", {"town": "Paris"}, ctx())
    with pytest.raises(ToolArgumentError):
        await ClockSkill().call("weather_get", {}, ctx())


def test_table_is_large_and_every_zone_exists() -> None:
    places = all_places()
    assert len({p.name for p in places.values()}) >= 300
    for place in places.values():
        ZoneInfo(place.zone)


def test_find_place_misses() -> None:
    assert find_place("") is None
    assert find_place("Nowhere/Land") is None
    assert find_place("Gotham City") is None
    place = find_place("nyc")
    assert place is not None
    assert place.zone == "America/New_York"
