"""Announcements (timers, alarms, reminders) on a connected device, run or no run.

The household's hub routes a device's announcements to its connection (this
:class:`ConnectionAnnouncer`), which queues them in the device session. A hands-free
(``wake``) run plays them itself, between turns; a device that is idle between
push-to-talk turns (no run under way) hears them at once, through the same sink and
the session's own ringer. A push-to-talk or text run silences the ring while it runs
(the user may be saying "stop"); what is still queued rings again after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .connection import Connection


class ConnectionAnnouncer:
    """The hub's :class:`~hark.skills.base.Announcer` for one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        session = self.connection.session
        if session is None:
            return
        await session.announce(device_id, text, chime=chime, repeat_until_stopped=repeat_until_stopped, key=key)
        self.connection.ring_if_idle()

    async def stop(self, device_id: str, key: str = "") -> bool:
        session = self.connection.session
        if session is None:
            return False
        stopped = await session.stop(device_id, key)
        if not session.ringer.pending and self.connection.idle:
            await session.ringer.silence()  # nothing left to say: stop the sound now, not after it
        return stopped
