"""Skills: timers, alarms, reminders, lists, clock, weather, smart home, media, calculation."""

from .base import (
    Announcer,
    DeviceControl,
    ServiceUnavailableError,
    Skill,
    SkillContext,
    SkillError,
    SkillResult,
    Tool,
    ToolArgumentError,
)

__all__ = [
    "Announcer",
    "DeviceControl",
    "ServiceUnavailableError",
    "Skill",
    "SkillContext",
    "SkillError",
    "SkillResult",
    "Tool",
    "ToolArgumentError",
]
