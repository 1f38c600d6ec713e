import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from hark.config import WeatherSettings
from hark.skills.base import Skill, SkillContext, ToolArgumentError
from hark.skills.registry import SkillRegistry
from hark.skills.weather import NOT_CONFIGURED, UNREACHABLE, WeatherSkill, describe, parse_forecast
from tests.fake_open_meteo import FakeOpenMeteo, check_query, closed_port_url, recorded

CTX = SkillContext()
METRIC_QUERY = {
    "latitude": "48.8566",
    "longitude": "2.3522",
    "current": "temperature_2m,weather_code,wind_speed_10m,relative_humidity_2m",
    "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max",
    "timezone": "auto",
    "temperature_unit": "celsius",
    "wind_speed_unit": "kmh",
}


@pytest.fixture
def fake() -> Iterator[FakeOpenMeteo]:
    with FakeOpenMeteo() as server:
        yield server


def settings(url: str, **changes: Any) -> WeatherSettings:
    values: dict[str, Any] = {
        "location_name": "Paris",
        "latitude": 48.8566,
        "longitude": 2.3522,
        "api_url": url,
        "timeout_s": 2.0,
        **changes,
    }
    result = WeatherSettings(**values)
    result.validate()
    return result


def skill(url: str, **changes: Any) -> WeatherSkill:
    return WeatherSkill(settings(url, **changes), cache_s=0)


async def ask(weather: WeatherSkill, when: str | None = None) -> Any:
    registry = SkillRegistry([weather])
    return await registry.call("weather_get", {} if when is None else {"when": when}, CTX)


def test_is_a_skill_with_a_strict_schema() -> None:
    weather = WeatherSkill(WeatherSettings())
    assert isinstance(weather, Skill)
    assert [t.name for t in weather.tools] == ["weather_get"]
    assert weather.tools[0].parameters["additionalProperties"] is False


async def test_current_weather(fake: FakeOpenMeteo) -> None:
    result = await ask(skill(fake.url))
    assert result.ok
    assert result.speech == "It's 12 degrees with light rain in Paris right now."
    assert result.data == {
        "when": "now",
        "time": "2026-11-22T15:00:00",
        "temperature": 11.6,
        "temperature_unit": "°C",
        "conditions": "light rain",
        "weather_code": 61,
        "wind_speed": 14.8,
        "wind_speed_unit": "kmh",
        "humidity": 87.0,
        "location": "Paris",
    }
    assert fake.requests == [METRIC_QUERY]


async def test_now_is_the_default_and_works_without_a_place_name(fake: FakeOpenMeteo) -> None:
    result = await ask(skill(fake.url, location_name=""), None)
    assert result.speech == "It's 12 degrees with light rain right now."


async def test_imperial_units(fake: FakeOpenMeteo) -> None:
    result = await ask(skill(fake.url, units="imperial"), "now")
    assert result.speech == "It's 53 degrees with light rain in Paris right now."
    assert result.data["temperature_unit"] == "°F"
    assert result.data["wind_speed_unit"] == "mph"
    assert fake.requests[-1] == {**METRIC_QUERY, "temperature_unit": "fahrenheit", "wind_speed_unit": "mph"}
    result = await ask(skill(fake.url, units="imperial"), "tomorrow")
    assert result.speech == "Tomorrow in Paris, expect overcast skies, with a high of 50 and a low of 42 degrees."


async def test_sky_conditions_and_wind(fake: FakeOpenMeteo) -> None:
    payload = recorded()
    payload["current"].update(weather_code=3, wind_speed_10m=42.4, temperature_2m=-0.4)
    fake.payload = payload
    result = await ask(skill(fake.url), "now")
    assert result.speech == "It's 0 degrees and overcast in Paris right now. The wind is at 42 kilometers per hour."
    assert result.data["conditions"] == "overcast"


@pytest.mark.parametrize(
    ("when", "speech", "data"),
    [
        (
            "today",
            "Today in Paris, expect light rain, with a high of 13 and a low of 8 degrees. There's a 78% chance of rain.",
            {"date": "2026-11-22", "conditions": "light rain", "high": 13.4, "low": 8.1, "precipitation_chance": 78.0},
        ),
        (
            "Tomorrow",
            "Tomorrow in Paris, expect overcast skies, with a high of 10 and a low of 6 degrees.",
            {"date": "2026-11-23", "conditions": "overcast", "high": 10.2, "low": 5.6, "precipitation_chance": 15.0},
        ),
        (
            "2026-11-24",
            "On Tuesday, November 24th in Paris, expect clear skies, with a high of 9 and a low of minus 1 degrees.",
            {"date": "2026-11-24", "conditions": "clear sky", "weather_code": 0},
        ),
        (
            "2026-11-26",
            "On Thursday, November 26th in Paris, expect light rain showers, with a high of 11 and a low of 6 degrees. "
            "There's a 64% chance of rain.",
            {"conditions": "light rain showers"},
        ),
        (
            "2026-11-27",
            "On Friday, November 27th in Paris, expect light snow, with a high of 3 and a low of minus 3 degrees. "
            "There's an 85% chance of snow.",
            {"conditions": "light snow", "temperature_unit": "°C", "location": "Paris"},
        ),
        (
            "2026-11-28",
            "On Saturday, November 28th in Paris, expect fog, with a high of 7 and a low of 2 degrees.",
            {"weather_code": 45},
        ),
    ],
)
async def test_daily_forecast(fake: FakeOpenMeteo, when: str, speech: str, data: dict[str, Any]) -> None:
    result = await ask(skill(fake.url), when)
    assert result.ok
    assert result.speech == speech
    assert data.items() <= dict(result.data).items()


async def test_missing_values_in_a_day_are_left_out(fake: FakeOpenMeteo) -> None:
    payload = recorded()
    payload["daily"]["temperature_2m_min"][1] = None
    payload["daily"]["precipitation_probability_max"][1] = None
    payload["daily"]["weather_code"][2] = None
    payload["daily"]["temperature_2m_max"][2] = None
    payload["daily"]["temperature_2m_min"][2] = None
    fake.payload = payload
    result = await ask(skill(fake.url), "tomorrow")
    assert result.speech == "Tomorrow in Paris, expect overcast skies, with a high of 10 degrees."
    result = await ask(skill(fake.url), "2026-11-24")
    assert result.speech == "On Tuesday, November 24th in Paris, expect unknown conditions."


@pytest.mark.parametrize(
    ("when", "speech", "error"),
    [
        ("2026-12-05", "I only have the forecast up to Saturday, November 28th.", "out-of-range"),
        ("2026-11-20", "I can only tell you the forecast, not past weather.", "out-of-range"),
        ("next week", "I didn't catch which day you mean.", "bad-date"),
        ("2026-13-01", "I didn't catch which day you mean.", "bad-date"),
    ],
)
async def test_days_it_cannot_answer(fake: FakeOpenMeteo, when: str, speech: str, error: str) -> None:
    result = await ask(skill(fake.url), when)
    assert not result.ok
    assert result.speech == speech
    assert result.data["error"] == error


async def test_not_configured(fake: FakeOpenMeteo) -> None:
    weather = WeatherSkill(WeatherSettings(api_url=fake.url))
    assert not weather.configured
    result = await ask(weather, "now")
    assert not result.ok
    assert result.speech == NOT_CONFIGURED
    assert result.speech == "I don't know where you are yet; set weather.latitude and weather.longitude."
    assert result.data == {"error": "not-configured"}
    assert fake.requests == []


@pytest.mark.parametrize("mode", ["error", "broken", "wrong_shape"])
async def test_service_failures_are_spoken(fake: FakeOpenMeteo, mode: str) -> None:
    fake.mode = mode
    result = await ask(skill(fake.url), "today")
    assert not result.ok
    assert result.speech == UNREACHABLE == "I can't reach the weather service right now."
    assert result.data == {"error": "service-unavailable"}
    assert len(fake.requests) == 1


async def test_refused_query_is_a_failure_too(fake: FakeOpenMeteo) -> None:
    weather = skill(fake.url)
    weather.query = lambda: {**METRIC_QUERY, "current": "tempeture_2m"}  # type: ignore[method-assign]
    result = await ask(weather, "now")
    assert not result.ok
    assert result.speech == UNREACHABLE


async def test_hanging_service_times_out(fake: FakeOpenMeteo) -> None:
    fake.mode = "hang"
    started = time.monotonic()
    result = await ask(skill(fake.url, timeout_s=0.3), "now")
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.speech == UNREACHABLE
    assert 0.25 <= elapsed < 2.0


async def test_unreachable_service() -> None:
    result = await ask(skill(closed_port_url()), "now")
    assert not result.ok
    assert result.speech == UNREACHABLE
    assert result.data == {"error": "service-unavailable"}


async def test_answers_are_cached_and_failures_are_not(fake: FakeOpenMeteo) -> None:
    clock = [100.0]
    weather = WeatherSkill(settings(fake.url), cache_s=600, monotonic=lambda: clock[0])
    fake.mode = "error"
    assert not (await ask(weather, "now")).ok
    fake.mode = "ok"
    assert (await ask(weather, "now")).ok
    assert (await ask(weather, "tomorrow")).ok
    assert len(fake.requests) == 2
    clock[0] += 601
    assert (await ask(weather, "today")).ok
    assert len(fake.requests) == 3


async def test_uses_a_given_session(fake: FakeOpenMeteo) -> None:
    async with aiohttp.ClientSession() as session:
        weather = WeatherSkill(settings(fake.url), session=session, cache_s=0)
        assert (await ask(weather, "now")).ok
        assert (await ask(weather, "today")).ok
        assert not session.closed
    assert len(fake.requests) == 2


async def test_unknown_tool_and_arguments(fake: FakeOpenMeteo) -> None:
    weather = skill(fake.url)
    with pytest.raises(ToolArgumentError):
        await weather.call("time_now", {}, CTX)
    with pytest.raises(ToolArgumentError):
        await SkillRegistry([weather]).call("weather_get", {"where": "Rome"}, CTX)


def test_parse_forecast_reads_the_recorded_answer() -> None:
    forecast = parse_forecast(recorded())
    assert forecast.timezone == "Europe/Paris"
    assert forecast.today.isoformat() == "2026-11-22"
    assert len(forecast.days) == 7
    assert forecast.days[5].code == 71
    assert forecast.days[2].low == -1.4
    assert forecast.temperature_unit == "°C"


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.clear(),
        lambda p: p.pop("current"),
        lambda p: p["current"].pop("time"),
        lambda p: p["current"].update(time="yesterday"),
        lambda p: p["current"].update(temperature_2m=None),
        lambda p: p["current"].update(temperature_2m="warm"),
        lambda p: p["daily"].pop("temperature_2m_max"),
        lambda p: p["daily"]["weather_code"].pop(),
        lambda p: p["daily"].update(time=[]),
        lambda p: p["daily"]["time"].__setitem__(0, "someday"),
        lambda p: p["daily"]["temperature_2m_min"].__setitem__(0, True),
    ],
)
def test_parse_forecast_refuses_malformed_answers(change: Any) -> None:
    payload = recorded()
    change(payload)
    with pytest.raises(ValueError):  # noqa: PT011 - any reason will do
        parse_forecast(payload)
    with pytest.raises(ValueError):  # noqa: PT011
        parse_forecast([1, 2])


def test_wmo_codes() -> None:
    assert describe(0) == "clear sky"
    assert describe(3) == "overcast"
    assert describe(61) == "light rain"
    assert describe(95) == "thunderstorms"
    assert describe(42) == "unknown conditions"
    assert describe(None) == "unknown conditions"


def test_fake_checks_queries() -> None:
    assert check_query(METRIC_QUERY) == []
    bad = {**METRIC_QUERY, "latitude": "91", "daily": "weather_code,rain_sum", "timezone": "UTC", "foo": "1"}
    assert check_query(bad) == [
        "unknown parameter foo",
        "latitude out of range",
        "invalid daily variable 'rain_sum'",
        "timezone should be auto",
    ]


async def test_another_household_gets_its_own_homes_weather_never_the_configs(fake: FakeOpenMeteo) -> None:
    from hark.brain.person import Person
    from hark.skills.weather import HOME_NOT_PLACED

    weather = skill(fake.url)
    registry = SkillRegistry([weather])
    elsewhere = SkillContext(who=Person(household_id="next-door"))
    r = await registry.call("weather_get", {}, elsewhere)
    assert not r.ok and r.speech == HOME_NOT_PLACED and fake.requests == []  # not the config's Paris
    placed = SkillContext(who=Person(household_id="next-door", location="38.72, -9.14, Lisbon"))
    r = await registry.call("weather_get", {}, placed)
    assert r.ok and "in Lisbon" in r.speech
    assert (fake.requests[-1]["latitude"], fake.requests[-1]["longitude"]) == ("38.72", "-9.14")
    r = await registry.call("weather_get", {}, CTX)  # the default household: the config's
    assert "in Paris" in r.speech and fake.requests[-1]["latitude"] == "48.8566"
