"""Settings sections of what Hark connects to: the database, the weather service, Home Assistant, MQTT."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import ConfigError
from .validation import _choice, _positive, _range


@dataclasses.dataclass(frozen=True)
class StorageSettings:
    url: str = ""
    """SQLAlchemy async URL; empty is SQLite at ``<data_dir>/hark.db``. PostgreSQL: ``postgresql+asyncpg://...``."""

    def database_url(self, data_dir: Path) -> str:
        return self.url or f"sqlite+aiosqlite:///{data_dir / 'hark.db'}"


@dataclasses.dataclass(frozen=True)
class WeatherSettings:
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    api_url: str = "https://api.open-meteo.com/v1/forecast"
    timeout_s: float = 3.0
    units: str = "metric"

    def validate(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ConfigError("weather: set both latitude and longitude, or neither")
        if self.latitude is not None:
            _range("weather.latitude", self.latitude, -90, 90)
        if self.longitude is not None:
            _range("weather.longitude", self.longitude, -180, 180)
        _choice("weather.units", self.units, ("metric", "imperial"))
        _positive("weather.timeout_s", self.timeout_s)


@dataclasses.dataclass(frozen=True)
class HomeAssistantSettings:
    url: str = ""
    """e.g. ``http://homeassistant.local:8123``; empty disables it."""
    token: str = dataclasses.field(default="", repr=False)
    """Long-lived access token (never printed)."""
    timeout_s: float = 3.0

    def validate(self) -> None:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"home_assistant.url: {self.url!r} must start with http:// or https://")
        if self.url and not self.token:
            raise ConfigError("home_assistant.token: a long-lived access token is needed with home_assistant.url")
        _positive("home_assistant.timeout_s", self.timeout_s)


@dataclasses.dataclass(frozen=True)
class MqttSettings:
    url: str = ""
    """``mqtt://host:1883``; empty disables MQTT devices."""
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)
    devices_file: str = ""
    """TOML file describing MQTT devices (name, area, kind, topics)."""
    timeout_s: float = 3.0

    def validate(self) -> None:
        if self.url and not self.url.startswith(("mqtt://", "mqtts://")):
            raise ConfigError(f"mqtt.url: {self.url!r} must start with mqtt:// or mqtts://")
        _positive("mqtt.timeout_s", self.timeout_s)
