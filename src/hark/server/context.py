"""What every handler of one server shares: the household, the engines, the device
registry, the options, and the live connections (for graceful shutdown)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Settings
from ..engines.registry import Engines
from ..household import Household

if TYPE_CHECKING:
    from .connection import Connection

log = logging.getLogger(__name__)


class Device(Protocol):
    """A paired device, as the registry (:mod:`hark.household.devices`) returns it."""

    @property
    def device_id(self) -> str: ...

    @property
    def name(self) -> str | None: ...


class PairedDevice(Protocol):
    @property
    def device_id(self) -> str: ...

    @property
    def token(self) -> str: ...

    @property
    def name(self) -> str | None: ...


class Devices(Protocol):
    """The part of :class:`hark.household.devices.DeviceRegistry` the server uses."""

    async def authenticate(self, token: str, *, any_household: bool = False) -> Any: ...

    def for_household(self, household_id: str) -> Any: ...

    async def pair(self, code: str, name: str | None = None) -> Any: ...


@dataclasses.dataclass(frozen=True)
class ServerOptions:
    lead_s: float = 0.25
    """Reply audio is sent this far ahead of the device's playhead."""
    outbox_bytes: int = 256 * 1024
    """A connection whose client has this much unread (after the socket's own buffers) is dropped."""
    stall_s: float = 10.0
    """...and so is one that takes nothing for this long while its reply audio waits."""
    hello_timeout_s: float = 10.0
    shutdown_grace_s: float = 20.0
    """On shutdown, how long runs under way may take to finish before they are cut."""
    max_body_bytes: int = 64 * 1024


class ServerContext:
    def __init__(
        self,
        household: Household,
        engines: Engines,
        devices: Devices,
        settings: Settings,
        options: ServerOptions,
    ) -> None:
        self.household = household
        self.engines = engines
        self.devices = devices
        self.settings = settings
        self.options = options
        self.connections: set[Connection] = set()
        self.attached: dict[str, list[Connection]] = {}
        """A device's open connections, oldest first: the newest rings its announcements; when it
        closes, the one before it rings them again."""
        self.turns: set[asyncio.Task[Any]] = set()
        """HTTP turns under way (they finish even if their client went away)."""
        self.draining = False
        self.dropped_slow_readers = 0

    def engines_loaded(self) -> dict[str, bool]:
        e = self.engines
        return {
            "stt": e.stt is not None,
            "vad": e.vad_factory is not None,
            "tts": e.tts is not None,
            "wake": e.wake_factory is not None,
            "turn": e.turn is not None,
        }

    @property
    def ready(self) -> bool:
        loaded = self.engines_loaded()
        return not self.draining and all(loaded[k] for k in ("stt", "vad", "tts", "wake"))

    async def attach(self, device_id: str, connection: Connection) -> None:
        self.attached.setdefault(device_id, []).append(connection)
        await self.household.hub.attach(device_id, connection.announcer)

    async def detach(self, device_id: str, connection: Connection) -> None:
        connections = self.attached.get(device_id, [])
        newest = bool(connections) and connections[-1] is connection
        if connection in connections:
            connections.remove(connection)
        if not connections:
            self.attached.pop(device_id, None)
            self.household.hub.detach(device_id)
        elif newest:  # the device's other connection rings from now on
            await self.household.hub.attach(device_id, connections[-1].announcer)

    async def close_device(self, device_id: str) -> None:
        """A revoked device's open connections are closed at once."""
        for connection in list(self.attached.get(device_id, [])):
            connection.revoked()

    async def drain(self) -> None:
        """Graceful shutdown: refuse new work, tell every session, let runs finish (bounded)."""
        if self.draining:
            return
        self.draining = True
        grace = self.options.shutdown_grace_s
        await asyncio.gather(*(c.shutdown(grace) for c in list(self.connections)), return_exceptions=True)
        if self.turns:
            _, pending = await asyncio.wait(set(self.turns), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
