"""Wire one device session: its volume, the household's brain and journal, its announcements."""

from __future__ import annotations

from collections.abc import Callable

from ..audio.sinks import AudioSink
from ..engines.registry import Engines
from ..events import Event
from ..household import Household
from ..skills.media import LocalDevice
from .device import DeviceSession


def open_device_session(
    household: Household,
    engines: Engines,
    sink: AudioSink | None,
    *,
    device_id: str = "local",
    session_id: str | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> DeviceSession:
    """A session for ``device_id`` playing on ``sink``: the device's own volume (applied to the
    sink), the household's brain and turn journal. Attach it to ``household.hub`` so its timers
    ring on it (and detach it when the device goes)."""

    def on_volume(level: int) -> None:
        if sink is not None:
            sink.gain = device.gain

    if engines.stt is not None:
        household.tune_stt(engines.stt)
    device = LocalDevice(device_id, on_volume=on_volume)
    household.add_device(device)
    if sink is not None:
        sink.gain = device.gain
    return DeviceSession(
        household.settings,
        engines,
        household.brain(),
        device_id=device.device_id,
        journal=household.log_turn,
        session_id=session_id,
        on_event=on_event,
    )
