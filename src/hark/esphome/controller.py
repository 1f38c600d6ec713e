"""Hark as the controller of ESPHome voice devices: one API connection per device, kept up.

:class:`EsphomeController` connects to one device with ``aioesphomeapi``'s
:class:`~aioesphomeapi.APIClient` (with the device's Noise key when it has one) and keeps
it connected with the library's :class:`~aioesphomeapi.ReconnectLogic`: a device that
goes away is tried again at once, then with exponential backoff (1, 2, 3, 6, 10, 19, 34,
then every 60 s), and a wrong key waits the longest. On each connect it reads the
device's voice-assistant features, subscribes to its voice-assistant requests with API
audio (:class:`~.satellite.EsphomeSatellite`), attaches the device to the household's
hub (:class:`~.ringing.EsphomeRinging`: what was held for it rings now) and tells it its
timers. :class:`EsphomeFleet` runs one controller per stored device; a device that
misbehaves only ever drops its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from aioesphomeapi import APIClient, ReconnectLogic, VoiceAssistantFeature
from aioesphomeapi.core import APIConnectionError

from ..audio.sinks import AudioSink
from ..engines.registry import Engines
from ..errors import HarkError
from ..events import Event
from ..household import Household
from ..session import open_device_session
from ..session.device import DeviceSession
from .media import MediaHost
from .ringing import EsphomeRinging
from .satellite import EsphomeSatellite
from .store import EsphomeDevice, EsphomeDevices
from .timers import TimerSync

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ControllerOptions:
    client_info: str = "Hark"
    keepalive_s: float = 20.0
    """Ping interval: a device that stops answering is dropped after a few missed pongs."""
    lead_s: float = 0.5
    """API reply audio is sent this far ahead of the device's playhead."""


class EsphomeController:
    """One device's connection, session and ringing, across reconnects."""

    def __init__(
        self,
        device: EsphomeDevice,
        household: Household,
        engines: Engines,
        *,
        media: MediaHost | None,
        options: ControllerOptions = ControllerOptions(),
    ) -> None:
        self.device = device
        self.household = household
        self.engines = engines
        self.media = media
        self.options = options
        self.client = APIClient(
            device.host,
            device.port,
            None,
            client_info=options.client_info,
            keepalive=options.keepalive_s,
            noise_psk=device.noise_psk,
        )
        self.satellite: EsphomeSatellite | None = None
        self.ringing: EsphomeRinging | None = None
        self.timers = TimerSync(household.db, device.device_id, self._send_timer)
        self.features = 0
        self.connects = 0
        self.disconnects = 0
        self.last_error: str | None = None
        self._reconnect: ReconnectLogic | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def device_id(self) -> str:
        return self.device.device_id

    @property
    def connected(self) -> bool:
        return self.satellite is not None

    async def start(self) -> None:
        self._reconnect = ReconnectLogic(
            client=self.client,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_connect_error=self._on_connect_error,
            zeroconf_wake=False,
        )
        await self._reconnect.start()

    async def stop(self) -> None:
        if self._reconnect is not None:
            await self._reconnect.stop()
            self._reconnect = None
        await self._detach()
        with contextlib.suppress(APIConnectionError, OSError):
            await self.client.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- connection events ---------------------------------------------------------------------------
    async def _on_connect(self) -> None:
        try:
            info = await self.client.device_info()
            api_version = self.client.api_version
            assert api_version is not None
            self.features = info.voice_assistant_feature_flags_compat(api_version)
            if not self.features & VoiceAssistantFeature.VOICE_ASSISTANT:
                self.last_error = "the device has no voice assistant (voice_assistant: in its ESPHome config)"
                log.warning("%s (%s): %s", self.device.name, self.device.address, self.last_error)
                return
            address = self.client.connected_address or self.device.host
            satellite = EsphomeSatellite(
                self.client,
                self.features,
                self._open_session,
                media=self.media,
                device_address=address,
                on_idle=self._after_run,
                on_acted=self._after_brain,
                lead_s=self.options.lead_s,
            )
            ringing = EsphomeRinging(
                self.client,
                self.features,
                self.timers,
                tts=self.engines.tts,
                media=self.media,
                device_address=address,
                busy=lambda: satellite.busy,
            )
            satellite.subscribe()
            self.satellite, self.ringing = satellite, ringing
            self.connects += 1
            self.last_error = None
            log.info("%s (%s) connected: %s", self.device.name, self.device.address, info.name)
            self.timers.forget()
            await self._sync_timers()
            await self.household.hub.attach(self.device_id, ringing)  # what was held for it rings now
        except APIConnectionError as exc:  # it went away while we set up: the disconnect follows
            self.last_error = str(exc)
        except Exception as exc:  # a bug, or storage failing: this device only, and it is said
            log.exception("%s (%s): setting up the connection failed", self.device.name, self.device.address)
            self.last_error = f"{type(exc).__name__}: {exc}"

    async def _on_disconnect(self, expected: bool) -> None:
        self.disconnects += 1
        log.info("%s (%s) disconnected%s", self.device.name, self.device.address, "" if expected else " unexpectedly")
        await self._detach()

    async def _on_connect_error(self, error: Exception) -> None:
        self.last_error = f"{type(error).__name__}: {error}"

    async def _detach(self) -> None:
        satellite, ringing = self.satellite, self.ringing
        self.satellite = self.ringing = None
        if ringing is not None:
            self.household.hub.detach(self.device_id)
            await ringing.silence()
        if satellite is not None:
            await satellite.close()

    # -- the device session --------------------------------------------------------------------------
    def _open_session(self, sink: AudioSink, on_event: Callable[[Event], None]) -> DeviceSession:
        session = open_device_session(self.household, self.engines, sink, device_id=self.device_id, on_event=on_event)
        if self.device.room:  # the device's room is what "the lights" means there
            session.brain = self.household.brain(area=self.device.room)
        return session

    def _after_run(self) -> None:
        self._spawn(self._idle(), "idle")

    def _after_brain(self) -> None:
        self._spawn(self._sync_timers(), "timers")

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.create_task(work, name=f"esphome-{what}-{self.device_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _idle(self) -> None:
        await self._sync_timers()
        if self.ringing is not None:
            self.ringing.kick()

    async def _sync_timers(self) -> None:
        try:
            await self.timers.sync()
        except (HarkError, APIConnectionError) as exc:
            log.warning("%s: timers not synchronised: %s", self.device_id, exc)

    def _send_timer(self, *args: object) -> None:
        self.client.send_voice_assistant_timer_event(*args)  # type: ignore[arg-type]


class EsphomeFleet:
    """Every ESPHome device of the household, each on its own controller."""

    def __init__(
        self,
        household: Household,
        engines: Engines,
        *,
        media: MediaHost | None,
        options: ControllerOptions = ControllerOptions(),
    ) -> None:
        self.household = household
        self.engines = engines
        self.media = media
        self.options = options
        self.controllers: dict[str, EsphomeController] = {}

    async def start(self, devices: Iterable[EsphomeDevice]) -> None:
        for device in devices:
            await self.add(device)

    async def add(self, device: EsphomeDevice) -> EsphomeController:
        await self.remove(device.device_id)
        controller = EsphomeController(device, self.household, self.engines, media=self.media, options=self.options)
        self.controllers[device.device_id] = controller
        await controller.start()
        return controller

    async def remove(self, device_id: str) -> bool:
        controller = self.controllers.pop(device_id, None)
        if controller is None:
            return False
        await controller.stop()
        return True

    async def aclose(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.controllers.values()), return_exceptions=True)
        self.controllers.clear()
        if self.media is not None:
            await self.media.aclose()


async def start_esphome(
    household: Household,
    engines: Engines,
    *,
    media_host: str = "0.0.0.0",
    media_port: int = 0,
    public_host: str | None = None,
    options: ControllerOptions = ControllerOptions(),
) -> EsphomeFleet:
    """Connect to every stored ESPHome device (``hark serve`` calls this once the engines are
    loaded, and ``await fleet.aclose()`` before the household closes). Reply audio for
    devices that fetch it is served on ``media_host:media_port`` (0: any free port)."""
    devices = await EsphomeDevices(household.db).list()
    media: MediaHost | None = None
    if devices:
        media = MediaHost(media_host, media_port, public_host=public_host)
        await media.start()
    fleet = EsphomeFleet(household, engines, media=media, options=options)
    await fleet.start(devices)
    return fleet
