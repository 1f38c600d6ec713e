"""Device sessions: one per connected device (the local microphone, a WebSocket client,
later Wyoming and ESPHome devices), each over the household's shared engines and brain.

* :mod:`.device`: :class:`DeviceSession`, the per-device conversation and its turns;
* :mod:`.states`: the listening state machine (wake -> capture -> respond -> follow-up);
* :mod:`.ringing`: announcements ringing on the device;
* :mod:`.factory`: a session wired to a household.
"""

from ..pipeline.result import TurnResult
from .device import DeviceSession
from .factory import open_device_session
from .ringing import Ringer, chime

__all__ = ["DeviceSession", "Ringer", "TurnResult", "chime", "open_device_session"]
