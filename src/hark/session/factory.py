"""Wire one device session: its volume, the household's brain and journal, its announcements."""

from __future__ import annotations

from collections.abc import Callable

from ..audio.sinks import AudioSink
from ..brain.person import DEFAULT_HOUSEHOLD, Person
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
    household_id: str = DEFAULT_HOUSEHOLD,
    session_id: str | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> DeviceSession:
    """A session for ``device_id`` (of ``household_id``) playing on ``sink``: the device's own
    volume (applied to the sink), the household's brain and turn journal; each turn runs as the
    person speaking (:meth:`Household.identifier`). Attach it to ``household.hub`` so its timers
    ring on it (and detach it when the device goes)."""

    if engines.stt is not None:
        household.tune_stt(engines.stt)
    # one control per device, kept across its connections (its volume stays where it was set);
    # the newest session's sink plays at it
    device = household.device(device_id)
    if not isinstance(device, LocalDevice):
        device = LocalDevice(device_id)
        household.add_device(device)
    if sink is not None:
        control = device

        def on_volume(level: int) -> None:
            sink.gain = control.gain

        device.on_volume = on_volume
        sink.gain = device.gain
    return DeviceSession(
        household.settings,
        engines,
        household.brain(),
        device_id=device.device_id,
        who=Person(household_id=household_id),
        identify=household.identifier(household_id, device.device_id),
        journal=household.log_turn,
        session_id=session_id,
        on_event=on_event,
    )
