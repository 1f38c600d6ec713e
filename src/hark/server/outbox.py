"""One connection's outgoing frames: a bounded queue and the one task that writes them.

Nothing that produces frames (events, reply audio) ever waits on the socket: it puts the
frame here and goes on (reply audio, already paced, first waits for room: :meth:`room`).
A client that stops reading fills the queue: past ``max_bytes``, or when no frame has been
taken for ``stall_s`` while audio waits for room, the outbox fails (``failed`` is set) and
the connection is dropped with ``slow-reader``. So a slow device never holds up another
session or the event loop.
"""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import Awaitable, Callable

from .messages import Message, encode

SendText = Callable[[str], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


class Outbox:
    def __init__(self, send_text: SendText, send_bytes: SendBytes, *, max_bytes: int, stall_s: float = 10.0) -> None:
        self._send_text = send_text
        self._send_bytes = send_bytes
        self.max_bytes = max_bytes
        self.stall_s = stall_s
        self._progress = asyncio.Event()
        self._queue: collections.deque[str | bytes] = collections.deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self.failed = asyncio.Event()
        """Set when the client stopped reading (the queue overflowed) or the socket broke."""
        self.reason = ""
        self.slow_reader = False
        """The failure was the client not reading (not the socket breaking)."""
        self.sent_bytes = 0

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    def send(self, message: Message) -> None:
        # default=str: an event field that JSON has no type for (a tool's argument) is sent as text
        self._put(json.dumps(encode(message), ensure_ascii=False, separators=(",", ":"), default=str))

    def send_audio(self, data: bytes) -> None:
        self._put(data)

    def _put(self, frame: str | bytes) -> None:
        if self.failed.is_set():
            return
        size = len(frame)
        if self._queued_bytes + size > self.max_bytes:
            self._fail(
                f"the client is not reading: {self._queued_bytes + size} bytes waiting (at most {self.max_bytes})"
            )
            return
        self._queue.append(frame)
        self._queued_bytes += size
        self._empty.clear()
        self._wake.set()

    def _fail(self, reason: str, *, slow_reader: bool = True) -> None:
        if not self.failed.is_set():
            self.reason = reason
            self.slow_reader = slow_reader
            self.failed.set()
        self._queue.clear()
        self._queued_bytes = 0
        self._empty.set()

    async def run(self) -> None:
        """Write frames in order until cancelled (or the socket breaks)."""
        try:
            while True:
                await self._wake.wait()
                while self._queue:
                    frame = self._queue[0]
                    if isinstance(frame, str):
                        await self._send_text(frame)
                    else:
                        await self._send_bytes(frame)
                    if self._queue and self._queue[0] is frame:  # not cleared by a failure meanwhile
                        self._queue.popleft()
                        self._queued_bytes -= len(frame)
                    self.sent_bytes += len(frame)
                    self._progress.set()
                self._wake.clear()
                self._empty.set()
        except (OSError, RuntimeError) as exc:  # the socket went away under us
            self._fail(f"the connection broke: {exc}", slow_reader=False)
        except Exception as exc:  # starlette/uvicorn wrap a lost client in their own errors
            self._fail(f"the connection broke: {type(exc).__name__}", slow_reader=False)

    async def room(self, size: int) -> None:
        """Wait until ``size`` more bytes keep the queue at most half full. Fails the outbox if
        the client takes nothing for ``stall_s`` meanwhile."""
        while not self.failed.is_set() and self._queued_bytes + size > self.max_bytes // 2:
            self._progress.clear()
            try:
                async with asyncio.timeout(self.stall_s):
                    await self._progress.wait()
            except TimeoutError:
                self._fail(f"the client took nothing for {self.stall_s:g} s ({self._queued_bytes} bytes waiting)")

    async def drain(self, timeout_s: float) -> bool:
        """Wait until everything queued was written (or the timeout); True if it was."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._empty.wait()
        except TimeoutError:
            return False
        return not self.failed.is_set()
