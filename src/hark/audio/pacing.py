"""Where a remote speaker is in a reply that is sent to it ahead of time.

A sink that streams a reply to another device (a WebSocket client, a Wyoming satellite, an
ESPHome speaker) sends audio at most ``lead_s`` ahead of the device's playhead, reckoned by this
machine's clock from the first sample sent. So what was heard when a reply is cut (barge-in) is
known here, a device that stops reading cannot be flooded, and a reply is over when its last
sample has played, not when it was sent. :class:`Playhead` is that bookkeeping, shared by them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Playhead:
    def __init__(self, *, lead_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lead_s = lead_s
        self.clock = clock
        self.started_at: float | None = None
        """When the reply's first audio was sent (``clock`` time); None before."""
        self.sent_s = 0.0

    def reset(self) -> None:
        """A new reply."""
        self.started_at, self.sent_s = None, 0.0

    def start(self) -> bool:
        """The reply's audio starts now, unless it already did; True when it starts now."""
        if self.started_at is not None:
            return False
        self.started_at = self.clock()
        return True

    def played(self) -> float:
        """Seconds of the reply the device has played by now."""
        if self.started_at is None:
            return 0.0
        return max(0.0, min(self.sent_s, self.clock() - self.started_at))

    def sent(self, seconds: float) -> float:
        """``seconds`` more were sent; what has been played."""
        self.sent_s += seconds
        return self.played()

    async def within_lead(self) -> None:
        """Wait until the playhead is within ``lead_s`` of what was sent."""
        if self.started_at is not None:
            ahead = self.started_at + self.sent_s - self.clock() - self.lead_s
            if ahead > 0:
                await asyncio.sleep(ahead)

    async def until_played(self) -> None:
        """Wait until everything sent has been played."""
        if self.started_at is not None:
            await asyncio.sleep(max(0.0, self.started_at + self.sent_s - self.clock()))
