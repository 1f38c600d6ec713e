"""The media skill: the talking device's volume and its player (pause, resume, skip...).

The skill acts on whichever device asked (``ctx.device_id``), found through a
lookup given at construction. :class:`LocalDevice` is the local speaker: it
keeps the volume level for the audio sink to apply and has no player yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .base import DeviceControl, SkillContext, SkillError, SkillResult, Tool, ToolArgumentError

COMMANDS = ("pause", "resume", "stop", "next", "previous")

VOLUME_SET = Tool(
    name="volume_set",
    description="Set the speaker volume of this device, 0 to 100.",
    parameters={
        "type": "object",
        "properties": {"level": {"type": "integer", "minimum": 0, "maximum": 100}},
        "required": ["level"],
        "additionalProperties": False,
    },
)

VOLUME_CHANGE = Tool(
    name="volume_change",
    description="Turn the speaker volume of this device up (positive) or down (negative) by some points.",
    parameters={
        "type": "object",
        "properties": {"delta": {"type": "integer", "minimum": -100, "maximum": 100}},
        "required": ["delta"],
        "additionalProperties": False,
    },
)

MEDIA_CONTROL = Tool(
    name="media_control",
    description="Control what this device is playing: pause, resume, stop, next or previous track.",
    parameters={
        "type": "object",
        "properties": {"command": {"type": "string", "enum": list(COMMANDS)}},
        "required": ["command"],
        "additionalProperties": False,
    },
)

_DONE = {
    "pause": "Paused.",
    "resume": "Resuming.",
    "stop": "Stopped.",
    "next": "Next track.",
    "previous": "Previous track.",
}


def clamp_volume(level: int) -> int:
    return max(0, min(100, level))


class LocalDevice:
    """The machine's own speaker: a volume level (0-100) and, for now, no player.

    ``on_volume`` is called with the new level whenever it changes, so the audio
    sink can apply it; :attr:`gain` is the level as a linear factor.
    """

    def __init__(
        self, device_id: str = "local", volume: int = 50, on_volume: Callable[[int], None] | None = None
    ) -> None:
        self.device_id = device_id
        self._volume = clamp_volume(volume)
        self.on_volume = on_volume
        """Told the new level when it changes (the device's current sink applies it)."""

    @property
    def volume(self) -> int:
        return self._volume

    @property
    def gain(self) -> float:
        """0.0-1.0, on a squared curve so that steps sound even."""
        return (self._volume / 100) ** 2

    def get_volume(self) -> int:
        return self._volume

    def set_volume(self, level: int) -> None:
        level = clamp_volume(int(level))
        if level != self._volume:
            self._volume = level
            if self.on_volume is not None:
                self.on_volume(level)

    async def media(self, command: str) -> bool:
        """Nothing but Hark's replies plays here yet, so there is never anything to control."""
        if command not in COMMANDS:
            raise ValueError(f"unknown media command {command!r}")
        return False


class MediaSkill:
    """Volume and playback of the device that is talking, found by ``devices(ctx.device_id)``."""

    name = "media"

    def __init__(self, devices: Callable[[str], DeviceControl | None]) -> None:
        self._devices = devices

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (VOLUME_SET, VOLUME_CHANGE, MEDIA_CONTROL)

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool not in ("volume_set", "volume_change", "media_control"):
            raise ToolArgumentError(f"media has no tool called {tool!r}")
        if tool == "media_control" and arguments.get("command") not in COMMANDS:
            raise ToolArgumentError(f"unknown media command {arguments.get('command')!r}")
        device = self._devices(ctx.device_id)
        if device is None:
            return SkillResult(
                "I can't control the sound on this device.",
                {"error": "no-device", "device_id": ctx.device_id},
                ok=False,
            )
        try:
            if tool == "volume_set":
                return self._set(device, clamp_volume(int(arguments["level"])))
            if tool == "volume_change":
                return self._change(device, int(arguments["delta"]))
            return await self._control(device, str(arguments["command"]))
        except SkillError as exc:
            return SkillResult(exc.message, {"error": exc.code, "device_id": device.device_id}, ok=False)
        except OSError:
            return SkillResult(
                "I can't reach that device right now.",
                {"error": "service-unavailable", "device_id": device.device_id},
                ok=False,
            )

    def _set(self, device: DeviceControl, level: int) -> SkillResult:
        previous = device.get_volume()
        device.set_volume(level)
        data = {"device_id": device.device_id, "volume": level, "previous": previous}
        return SkillResult("Muted." if level == 0 else f"Volume set to {level}.", data)

    def _change(self, device: DeviceControl, delta: int) -> SkillResult:
        previous = device.get_volume()
        level = clamp_volume(previous + delta)
        data = {"device_id": device.device_id, "volume": level, "previous": previous}
        if level == previous:
            if delta > 0 and level == 100:
                return SkillResult("The volume is already at maximum.", data)
            if delta < 0 and level == 0:
                return SkillResult("The volume is already off.", data)
            return SkillResult(f"The volume stays at {level}.", data)
        device.set_volume(level)
        if level == 0:
            return SkillResult("Muted.", data)
        return SkillResult(f"Volume {'up' if level > previous else 'down'} to {level}.", data)

    async def _control(self, device: DeviceControl, command: str) -> SkillResult:
        played = await device.media(command)
        data = {"device_id": device.device_id, "command": command, "done": played}
        if not played:
            return SkillResult("Nothing is playing.", data, ok=False)
        return SkillResult(_DONE[command], data)
