"""Announcements to other devices: "announce dinner is ready in the kitchen", "broadcast that we're
leaving". The message rings (a chime, then the words) on the named devices, over their own
connections; a device that is offline hears it when it connects (the household's hub holds it).

Targets are the household's paired devices, matched by room or by name ("kitchen" finds the
device in the kitchen, and the one called "kitchen speaker"); no target means every device
but the one asking.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from .base import Announcer, SkillContext, SkillResult, Tool, ToolArgumentError

MAX_MESSAGE_CHARS = 300


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """A device an announcement can go to."""

    device_id: str
    name: str = ""
    room: str = ""


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def _said(message: str) -> str:
    """The message as it is announced: one sentence, first letter up, ending with a full stop."""
    message = " ".join(message.split()).strip(" ,;:")
    message = re.sub(r"^(?:that|to say that|to say)\s+", "", message, flags=re.I)
    if not message:
        return ""
    message = message[0].upper() + message[1:]
    return message if message[-1] in ".!?" else message + "."


class AnnounceSkill:
    name = "announce"

    def __init__(self, announcer: Announcer, targets: Callable[[str], Awaitable[Sequence[Target]]]) -> None:
        self.announcer = announcer
        self.targets = targets
        """The household's devices (paired and not revoked), read at each call."""

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (
            Tool(
                "announce",
                "Say a message out loud on other devices of the home (with a chime): in one room or on one "
                "named device, or on every device when no target is given. Use it for 'announce ...', "
                "'broadcast ...', 'tell everyone ...'.",
                {
                    "type": "object",
                    "properties": {
                        "message": {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE_CHARS},
                        "target": {
                            "type": "string",
                            "description": "A room or a device name; empty for every device",
                        },
                    },
                    "required": ["message"],
                    "additionalProperties": False,
                },
            ),
        )

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool != "announce":
            raise ToolArgumentError(f"unknown tool {tool!r}")
        message = _said(str(arguments.get("message") or ""))
        if not message:
            raise ToolArgumentError("there is nothing to announce")
        target = _words(str(arguments.get("target") or "")).removeprefix("the ").strip()
        if target in ("everyone", "everywhere", "every room", "all rooms", "the house", "the whole house", "all"):
            target = ""
        devices = list(await self.targets(ctx.household_id))  # never another household's devices
        if target:
            chosen = [d for d in devices if target in (_words(d.room), _words(d.name)) or target in _words(d.name)]
            if not chosen:
                known = sorted({d.room for d in devices if d.room} | {d.name for d in devices if d.name})
                hint = f" I know {', '.join(known[:5])}." if known else " No device has been paired yet."
                return SkillResult(
                    f"I don't know a device in {target}.{hint}", {"target": target, "devices": []}, ok=False
                )
        else:
            chosen = [d for d in devices if d.device_id != ctx.device_id]
            if not chosen:
                return SkillResult("There is no other device to announce it on.", {"devices": []}, ok=False)
        key = f"announce-{uuid.uuid4().hex[:8]}"
        for device in chosen:
            await self.announcer.announce(device.device_id, message, chime=True, key=key)
        where = f"in {target}" if target else ("on every device" if len(chosen) > 1 else "on the other device")
        return SkillResult(f"Okay, announcing {where}.", {"message": message, "devices": [d.device_id for d in chosen]})
