"""One connection's outgoing events, in order, written by one task.

Events are queued from anywhere (sync callbacks of a device session included) and written in
the order they were queued. Audio senders ``await put``: past ``high`` events waiting they wait
until the peer has taken the queue down to ``low``, so a peer that stops reading holds back the
reply, not the server's memory. A write that fails (the peer went away) marks the outbox
``failed`` and everything still queued is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from wyoming.event import Event, async_write_event

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, writer: asyncio.StreamWriter, *, high: int = 64, low: int = 16) -> None:
        self.writer = writer
        self.high = high
        self.low = low
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._room = asyncio.Event()
        self._room.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.failed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self, name: str) -> None:
        self._task = asyncio.create_task(self._run(), name=name)

    def send(self, event: Event) -> None:
        if self.failed.is_set():
            return
        self._queue.put_nowait(event)
        self._idle.clear()
        if self._queue.qsize() > self.high:
            self._room.clear()

    async def put(self, event: Event) -> None:
        """Queue ``event``, then wait while the peer is behind (for audio)."""
        self.send(event)
        if not self._room.is_set():
            await self._room.wait()  # set again by the writer, or when the peer is gone

    async def _run(self) -> None:
        try:
            while True:
                event = await self._queue.get()
                await async_write_event(event, self.writer)
                if self._queue.qsize() <= self.low:
                    self._room.set()
                if self._queue.empty():
                    self._idle.set()
        except (ConnectionError, RuntimeError, OSError) as exc:
            log.debug("wyoming peer gone: %s", exc)
        finally:
            self.failed.set()
            self._room.set()
            self._idle.set()
            while not self._queue.empty():
                self._queue.get_nowait()

    async def drain(self, timeout_s: float) -> None:
        """Wait (bounded) until everything queued was written."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._idle.wait()  # set by the writer once the queue is empty, or when the peer is gone

    async def aclose(self) -> None:
        self._room.set()  # nobody waits on a closed outbox
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
