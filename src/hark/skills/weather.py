"""The weather skill: current conditions and the daily forecast from Open-Meteo.

One GET to the forecast API gives both the current conditions and a week of
days (``timezone=auto`` makes "today" the location's). The answer is kept
``cache_s`` seconds so that "and tomorrow?" asks nothing more. Any failure of
the service (unreachable, timeout, HTTP error, malformed answer) is an
``ok=False`` result that says so, never an exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from ..brain.person import DEFAULT_HOUSEHOLD
from ..config import WeatherSettings
from .arith import spoken_number
from .base import ServiceUnavailableError, SkillContext, SkillError, SkillResult, Tool, ToolArgumentError
from .clock import spoken_day

log = logging.getLogger(__name__)

CURRENT_FIELDS = ("temperature_2m", "weather_code", "wind_speed_10m", "relative_humidity_2m")
DAILY_FIELDS = ("weather_code", "temperature_2m_max", "temperature_2m_min", "precipitation_probability_max")
UNREACHABLE = "I can't reach the weather service right now."
NOT_CONFIGURED = "I don't know where you are yet; set weather.latitude and weather.longitude."
HOME_NOT_PLACED = "I don't know where this home is yet; set its location (latitude, longitude) on the admin page."
_LAT_LON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*(?:,\s*(.{1,60}))?$")


def home_place(location: str | None) -> tuple[float, float, str] | None:
    """A household's ``location`` as "LAT, LON[, name]" (e.g. "38.72, -9.14, Lisbon"); None otherwise."""
    m = _LAT_LON.match(location or "")
    if m is None:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, (m.group(3) or "").strip()


_WINDY = {"kmh": 30.0, "mph": 20.0}
_WIND_WORDS = {"kmh": "kilometers per hour", "mph": "miles per hour"}

WEATHER_GET = Tool(
    name="weather_get",
    description="The weather where the user is: now (current conditions), today, tomorrow, or a date in the coming week.",
    parameters={
        "type": "object",
        "properties": {
            "when": {
                "type": "string",
                "minLength": 1,
                "maxLength": 10,
                "description": '"now" (default), "today", "tomorrow" or a date "YYYY-MM-DD".',
            },
        },
        "additionalProperties": False,
    },
)

# WMO weather interpretation codes (Open-Meteo's ``weather_code``).
WMO_CODES: dict[int, str] = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "freezing fog",
    51: "light drizzle",
    53: "drizzle",
    55: "heavy drizzle",
    56: "light freezing drizzle",
    57: "freezing drizzle",
    61: "light rain",
    63: "rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "freezing rain",
    71: "light snow",
    73: "snow",
    75: "heavy snow",
    77: "snow grains",
    80: "light rain showers",
    81: "rain showers",
    82: "violent rain showers",
    85: "light snow showers",
    86: "heavy snow showers",
    95: "thunderstorms",
    96: "thunderstorms with light hail",
    99: "thunderstorms with heavy hail",
}
_SKY_NOW = {0: "clear", 1: "mostly clear", 2: "partly cloudy", 3: "overcast", 45: "foggy", 48: "foggy"}
_SKY_DAY = {0: "clear skies", 1: "mostly clear skies", 2: "partly cloudy skies", 3: "overcast skies"}
_SNOW = {71, 73, 75, 77, 85, 86}


def describe(code: int | None) -> str:
    """The WMO code in words: ``61`` -> ``light rain``."""
    return WMO_CODES.get(code, "unknown conditions") if code is not None else "unknown conditions"


@dataclasses.dataclass(frozen=True, slots=True)
class Current:
    time: dt.datetime
    """Local time of the observation at the location."""
    temperature: float
    code: int | None
    wind_speed: float | None
    humidity: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Day:
    date: dt.date
    code: int | None
    high: float | None
    low: float | None
    precipitation_chance: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Forecast:
    timezone: str
    current: Current
    days: tuple[Day, ...]
    temperature_unit: str
    """As Open-Meteo writes it: ``°C``, ``°F``."""

    @property
    def today(self) -> dt.date:
        return self.current.time.date()

    def day(self, date: dt.date) -> Day | None:
        return next((d for d in self.days if d.date == date), None)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _optional(value: Any, where: str) -> float | None:
    return None if value is None else _number(value, where)


def _code(value: Any, where: str) -> int | None:
    number = _optional(value, where)
    return None if number is None else int(number)


def parse_forecast(payload: Any) -> Forecast:
    """Read Open-Meteo's JSON answer; raises ``ValueError`` naming what is missing or wrong."""
    if not isinstance(payload, dict):
        raise ValueError("the answer is not a JSON object")
    current, daily = payload.get("current"), payload.get("daily")
    if not isinstance(current, dict) or not isinstance(daily, dict):
        raise ValueError("current or daily is missing")
    try:
        now = dt.datetime.fromisoformat(str(current["time"]))
        columns = [daily["time"], *(daily[f] for f in DAILY_FIELDS)]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"current or daily is incomplete: {exc}") from exc
    if not all(isinstance(c, list) and len(c) == len(columns[0]) for c in columns) or not columns[0]:
        raise ValueError("daily columns are not lists of one length")
    days = tuple(
        Day(
            date=dt.date.fromisoformat(str(day)),
            code=_code(code, f"daily.weather_code[{i}]"),
            high=_optional(high, f"daily.temperature_2m_max[{i}]"),
            low=_optional(low, f"daily.temperature_2m_min[{i}]"),
            precipitation_chance=_optional(rain, f"daily.precipitation_probability_max[{i}]"),
        )
        for i, (day, code, high, low, rain) in enumerate(zip(*columns, strict=True))
    )
    units = payload.get("current_units")
    return Forecast(
        timezone=str(payload.get("timezone", "")),
        current=Current(
            time=now,
            temperature=_number(current.get("temperature_2m"), "current.temperature_2m"),
            code=_code(current.get("weather_code"), "current.weather_code"),
            wind_speed=_optional(current.get("wind_speed_10m"), "current.wind_speed_10m"),
            humidity=_optional(current.get("relative_humidity_2m"), "current.relative_humidity_2m"),
        ),
        days=days,
        temperature_unit=str(units.get("temperature_2m", "")) if isinstance(units, dict) else "",
    )


def _degrees(value: float) -> str:
    return spoken_number(round(value))


def _article(n: int) -> str:
    """``an`` before numbers said with a vowel first (8, 11, 18, 80-89), else ``a``."""
    return "an" if n in (8, 11, 18) or 80 <= n <= 89 else "a"


class WeatherSkill:
    """``weather_get`` for the configured location.

    Each request opens and closes its own HTTP session unless ``session`` is
    given (then the caller owns and closes it); there is nothing to close here.
    """

    name = "weather"

    def __init__(
        self,
        settings: WeatherSettings,
        *,
        session: aiohttp.ClientSession | None = None,
        cache_s: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._session = session
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._cached: tuple[float, Forecast] | None = None
        self._homes: dict[tuple[float, float, str], WeatherSkill] = {}
        """Other households' homes (their own location), each with its own cache."""

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (WEATHER_GET,)

    @property
    def configured(self) -> bool:
        return self.settings.latitude is not None and self.settings.longitude is not None

    def query(self) -> dict[str, str]:
        """The forecast request's query parameters."""
        imperial = self.settings.units == "imperial"
        return {
            "latitude": str(self.settings.latitude),
            "longitude": str(self.settings.longitude),
            "current": ",".join(CURRENT_FIELDS),
            "daily": ",".join(DAILY_FIELDS),
            "timezone": "auto",
            "temperature_unit": "fahrenheit" if imperial else "celsius",
            "wind_speed_unit": "mph" if imperial else "kmh",
        }

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool != "weather_get":
            raise ToolArgumentError(f"weather has no tool called {tool!r}")
        skill = self._for(ctx)
        if skill is None:  # another household: never the config's home (that is the default household's)
            return SkillResult(HOME_NOT_PLACED, {"error": "not-configured"}, ok=False)
        return await skill._answer(arguments)

    def _for(self, ctx: SkillContext) -> WeatherSkill | None:
        if ctx.household_id == DEFAULT_HOUSEHOLD and not ctx.who.location:
            return self
        place = home_place(ctx.who.location)
        if place is None:
            return self if ctx.household_id == DEFAULT_HOUSEHOLD else None
        if place not in self._homes:
            lat, lon, name = place
            settings = dataclasses.replace(self.settings, latitude=lat, longitude=lon, location_name=name)
            self._homes[place] = WeatherSkill(
                settings, session=self._session, cache_s=self._cache_s, monotonic=self._monotonic
            )
        return self._homes[place]

    async def _answer(self, arguments: Mapping[str, Any]) -> SkillResult:
        when = str(arguments.get("when") or "now").strip().lower()
        if not self.configured:
            return SkillResult(NOT_CONFIGURED, {"error": "not-configured"}, ok=False)
        try:
            forecast = await self.forecast()
        except SkillError as exc:
            return SkillResult(exc.message, {"error": exc.code}, ok=False)
        if when == "now":
            return self._now(forecast)
        return self._day(forecast, when)

    async def forecast(self) -> Forecast:
        """The (possibly cached) forecast; raises :class:`ServiceUnavailableError`."""
        now = self._monotonic()
        if self._cached is not None and now - self._cached[0] < self._cache_s:
            return self._cached[1]
        forecast = await self._fetch()
        self._cached = (now, forecast)
        return forecast

    async def _fetch(self) -> Forecast:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        try:
            if self._session is not None:
                return await self._get(self._session, timeout)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                return await self._get(session, timeout)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("weather service failed: %s", str(exc) or type(exc).__name__)
            raise ServiceUnavailableError(UNREACHABLE) from exc

    async def _get(self, session: aiohttp.ClientSession, client_timeout: aiohttp.ClientTimeout) -> Forecast:
        async with session.get(self.settings.api_url, params=self.query(), timeout=client_timeout) as response:
            body = await response.read()
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}: {body[:200]!r}")
        return parse_forecast(json.loads(body))

    def _place(self) -> str:
        return f" in {self.settings.location_name}" if self.settings.location_name else ""

    def _wind_unit(self) -> str:
        return "mph" if self.settings.units == "imperial" else "kmh"

    def _now(self, forecast: Forecast) -> SkillResult:
        cur = forecast.current
        conditions = describe(cur.code)
        sky = _SKY_NOW.get(cur.code) if cur.code is not None else None
        how = f"and {sky}" if sky else f"with {conditions}"
        speech = f"It's {_degrees(cur.temperature)} degrees {how}{self._place()} right now."
        unit = self._wind_unit()
        if cur.wind_speed is not None and cur.wind_speed >= _WINDY[unit]:
            speech += f" The wind is at {round(cur.wind_speed)} {_WIND_WORDS[unit]}."
        data = {
            "when": "now",
            "time": cur.time.isoformat(),
            "temperature": cur.temperature,
            "temperature_unit": forecast.temperature_unit,
            "conditions": conditions,
            "weather_code": cur.code,
            "wind_speed": cur.wind_speed,
            "wind_speed_unit": unit,
            "humidity": cur.humidity,
            "location": self.settings.location_name,
        }
        return SkillResult(speech, data)

    def _day(self, forecast: Forecast, when: str) -> SkillResult:
        today = forecast.today
        if when == "today":
            date = today
        elif when == "tomorrow":
            date = today + dt.timedelta(days=1)
        else:
            try:
                date = dt.date.fromisoformat(when)
            except ValueError:
                return SkillResult("I didn't catch which day you mean.", {"error": "bad-date", "when": when}, ok=False)
        day = forecast.day(date)
        if day is None:
            last = forecast.days[-1].date
            if date < today:
                speech = "I can only tell you the forecast, not past weather."
            else:
                speech = f"I only have the forecast up to {spoken_day(last, today)}."
            return SkillResult(speech, {"error": "out-of-range", "date": date.isoformat()}, ok=False)
        return SkillResult(self._day_speech(day, today), self._day_data(forecast, day))

    def _day_speech(self, day: Day, today: dt.date) -> str:
        offset = (day.date - today).days
        lead = {0: "Today", 1: "Tomorrow"}.get(offset) or f"On {spoken_day(day.date, today)}"
        what = _SKY_DAY.get(day.code) if day.code is not None else None
        what = what or describe(day.code)
        temps = []
        if day.high is not None:
            temps.append(f"a high of {_degrees(day.high)}")
        if day.low is not None:
            temps.append(f"a low of {_degrees(day.low)}")
        speech = f"{lead}{self._place()}, expect {what}"
        speech += f", with {' and '.join(temps)} degrees." if temps else "."
        if day.precipitation_chance is not None and day.precipitation_chance >= 20:
            kind = "snow" if day.code in _SNOW else "rain"
            chance = round(day.precipitation_chance)
            speech += f" There's {_article(chance)} {chance}% chance of {kind}."
        return speech

    def _day_data(self, forecast: Forecast, day: Day) -> dict[str, Any]:
        return {
            "when": day.date.isoformat(),
            "date": day.date.isoformat(),
            "conditions": describe(day.code),
            "weather_code": day.code,
            "high": day.high,
            "low": day.low,
            "temperature_unit": forecast.temperature_unit,
            "precipitation_chance": day.precipitation_chance,
            "location": self.settings.location_name,
        }
