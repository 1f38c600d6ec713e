"""What rings on a connected ESPHome device: the household hub's Announcer for it.

* A timer that finishes is a ``finished`` timer event: the device rings it its own way
  (devices with the ``TIMERS`` feature); "stop" tells the device it is over.
* Anything else (alarms, reminders, "announce ..." messages; timers on a device without
  timer support) is an announcement: the chime and the spoken text are hosted as one WAV
  and the device is asked to play it (``VoiceAssistantAnnounceRequest``), which it
  acknowledges when it has (``VoiceAssistantAnnounceFinished``). One that repeats until
  stopped is asked again every few seconds, for ten minutes at most. Announcements wait
  while a run is under way on the device.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

import numpy as np
from aioesphomeapi import APIClient, VoiceAssistantFeature
from aioesphomeapi.core import APIConnectionError

from ..audio.chunk import SAMPLE_RATE, Int16Array, to_float, to_int16
from ..audio.convert import resample
from ..engines.base import TtsEngine
from ..engines.executor import infer
from ..errors import HarkError
from ..session.ringing import RING_GAP_S, RING_MAX_S, chime
from ..skills.base import Announcement
from .media import MediaHost
from .timers import TimerSync

log = logging.getLogger(__name__)

ANNOUNCE_TIMEOUT_S = 5 * 60.0
"""How long a device may take to play an announcement (Home Assistant's figure)."""


class EsphomeRinging:
    """The :class:`~hark.skills.base.Announcer` of one connected device."""

    def __init__(
        self,
        client: APIClient,
        features: int,
        timers: TimerSync,
        *,
        tts: TtsEngine | None,
        media: MediaHost | None,
        device_address: str,
        busy: Callable[[], bool],
        gap_s: float = RING_GAP_S,
        max_s: float = RING_MAX_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.features = features
        self.timers = timers
        self.tts = tts
        self.media = media
        self.device_address = device_address
        self.busy = busy
        self.gap_s = gap_s
        self.max_s = max_s
        self._sleep = sleep
        self.queue: dict[str, Announcement] = {}
        self._task: asyncio.Task[None] | None = None
        self.played: list[tuple[str, bool]] = []
        """(text, whether the device acknowledged it), the latest last (kept short)."""

    @property
    def rings_timers(self) -> bool:
        return bool(self.features & VoiceAssistantFeature.TIMERS)

    @property
    def announces(self) -> bool:
        return bool(self.features & VoiceAssistantFeature.ANNOUNCE) and self.media is not None

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        if key.startswith("timer:") and self.rings_timers:
            try:
                if await self.timers.finished(key.removeprefix("timer:")):
                    return
            except (HarkError, APIConnectionError) as exc:
                log.warning("%s: the timer event was not sent (%s); announcing it instead", device_id, exc)
        if not self.announces:
            log.warning("%s: the device cannot play announcements; not said: %s", device_id, text)
            return
        self.queue[key or uuid.uuid4().hex] = Announcement(text, chime, repeat_until_stopped)
        self.kick()

    async def stop(self, device_id: str, key: str = "") -> bool:
        stopped = False
        if key.startswith("timer:") or not key:
            with contextlib.suppress(APIConnectionError):
                stopped = self.timers.stopped(key.removeprefix("timer:") if key else None)
        if key:
            stopped = self.queue.pop(key, None) is not None or stopped
        else:
            stopped = bool(self.queue) or stopped
            self.queue.clear()
        if not self.queue:
            await self.silence()
        return stopped

    def kick(self) -> None:
        """Play what is queued, unless a run is under way (its end kicks again)."""
        if self.queue and not self.busy() and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._ring(), name="esphome-announce")

    async def silence(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ring(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_s
        try:
            while self.queue and loop.time() < deadline and not self.busy():
                for key, ring in list(self.queue.items()):
                    acknowledged = await self._play(ring)
                    self.played = [*self.played[-15:], (ring.text, acknowledged)]
                    if not ring.repeat:
                        self.queue.pop(key, None)
                if any(r.repeat for r in self.queue.values()):
                    await self._sleep(self.gap_s)
            if self.queue and loop.time() >= deadline:
                self.queue.clear()  # rang for max_s unanswered: give up on it
        except APIConnectionError as exc:  # the device went away: what is queued rings when it is back
            log.info("announcement not played: %s", exc)

    async def _play(self, ring: Announcement) -> bool:
        assert self.media is not None
        audio = await self._audio(ring)
        stream = self.media.new_stream(SAMPLE_RATE)
        stream.write(audio.astype("<i2").tobytes())
        stream.close()
        finished = await self.client.send_voice_assistant_announcement_await_response(
            self.media.url(stream, self.device_address), ANNOUNCE_TIMEOUT_S, ring.text
        )
        return bool(finished.success)

    async def _audio(self, ring: Announcement) -> Int16Array:
        parts: list[Int16Array] = [chime()] if ring.chime else []
        if self.tts is not None:
            speech = await infer(self.tts, self.tts.synthesize, ring.text)
            rate = self.tts.capabilities.sample_rate
            parts.append(speech if rate == SAMPLE_RATE else to_int16(resample(to_float(speech), rate, SAMPLE_RATE)))
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)
