"""Device sessions: one per connected device (the local microphone, a WebSocket client,
later Wyoming and ESPHome devices), each over the household's shared engines and brain."""

from .factory import open_device_session

__all__ = ["open_device_session"]
