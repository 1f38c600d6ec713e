"""Announcements (timers ringing, reminders) routed to the device they belong to."""

from __future__ import annotations

from ..skills.base import Announcement, Announcer


class AnnouncementHub:
    """The scheduler's Announcer: routes to the device's own announcer by id."""

    def __init__(self) -> None:
        self._devices: dict[str, Announcer] = {}
        self._held: dict[str, dict[str, Announcement]] = {}

    async def attach(self, device_id: str, announcer: Announcer) -> None:
        self._devices[device_id] = announcer
        for key, held in self._held.pop(device_id, {}).items():
            await announcer.announce(device_id, held.text, chime=held.chime, repeat_until_stopped=held.repeat, key=key)

    def detach(self, device_id: str) -> None:
        self._devices.pop(device_id, None)

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        device = self._devices.get(device_id)
        if device is None:
            self._held.setdefault(device_id, {})[key or text] = Announcement(text, chime, repeat_until_stopped)
            return
        await device.announce(device_id, text, chime=chime, repeat_until_stopped=repeat_until_stopped, key=key)

    async def stop(self, device_id: str, key: str = "") -> bool:
        held = self._held.get(device_id, {})
        stopped = (held.pop(key, None) is not None) if key else bool(held)
        if not key:
            held.clear()
        device = self._devices.get(device_id)
        if device is not None:
            stopped = await device.stop(device_id, key) or stopped
        return stopped
