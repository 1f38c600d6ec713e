"""All the settings: one frozen :class:`Settings` holding a section per concern, validated as a whole."""

# The sections are frozen dataclasses, so one shared default instance is safe; ``load_settings``
# finds the sections by their dataclass defaults. Ruff cannot see across modules that they are frozen.
# ruff: noqa: RUF009

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from .brain import BrainSettings, ChatSettings, ClassicSettings, LlmSettings
from .coerce import _build
from .services import HomeAssistantSettings, MqttSettings, StorageSettings, WeatherSettings
from .voice import AudioSettings, SttSettings, TtsSettings, TurnSettings, WakeSettings


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path = dataclasses.field(default_factory=lambda: Path(platformdirs.user_data_dir("hark")))
    wake: WakeSettings = WakeSettings()
    turn: TurnSettings = TurnSettings()
    stt: SttSettings = SttSettings()
    tts: TtsSettings = TtsSettings()
    audio: AudioSettings = AudioSettings()
    brain: BrainSettings = BrainSettings()
    storage: StorageSettings = StorageSettings()
    classic: ClassicSettings = ClassicSettings()
    weather: WeatherSettings = WeatherSettings()
    home_assistant: HomeAssistantSettings = HomeAssistantSettings()
    mqtt: MqttSettings = MqttSettings()
    llm: LlmSettings = LlmSettings()
    chat: ChatSettings = ChatSettings()
    source: str = "defaults"
    """Where these settings came from (file path or ``defaults``), for messages."""

    def validate(self) -> Settings:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if hasattr(value, "validate"):
                value.validate()
        return self

    def replace(self, **sections: Any) -> Settings:
        """A copy with whole sections or single keys replaced: ``replace(tts={"engine": "piper"})``."""
        changes: dict[str, Any] = {}
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, Mapping) and dataclasses.is_dataclass(current) and not isinstance(current, type):
                changes[name] = _build(type(current), {**_fields(current), **value}, name)
            else:
                changes[name] = value
        return dataclasses.replace(self, **changes).validate()


def _fields(section: Any) -> dict[str, Any]:
    """A section's values as they are (``dataclasses.asdict`` would copy and convert them)."""
    return {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}
