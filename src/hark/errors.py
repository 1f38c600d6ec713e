"""One error tree for Hark. Every error carries a stable string ``code``.

Codes are part of the public API: clients (CLI, WebSocket, logs) match on them,
so they never change meaning. Stage boundaries wrap foreign exceptions into the
matching subclass so callers only ever see ``HarkError``.

The CLI prints any of them as one line, ``hark: error [code]: message``; a message
names the setting at fault and what to do. Codes raised outside this module:
``storage-failed`` and ``storage-full`` (:mod:`hark.store.errors`), ``llm-*``
(:mod:`hark.llm.base`), ``pairing-refused`` (:mod:`hark.household.devices`); the CLI adds ``internal`` (a bug: a one-line summary, the
traceback with ``-v`` or ``HARK_DEBUG=1``) and ``install`` (a missing dependency).
"""

from __future__ import annotations


class HarkError(Exception):
    """Base of every error Hark raises on purpose."""

    code = "hark-error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(HarkError):
    code = "config-invalid"


class AudioFormatError(HarkError):
    """Audio we cannot read or convert (bad WAV, empty, truncated)."""

    code = "audio-format"


class AudioDeviceError(HarkError):
    """No microphone or speaker, or PortAudio missing."""

    code = "audio-device"


class EngineLoadError(HarkError):
    """An engine's model could not be found or loaded."""

    code = "engine-load"


class StageError(HarkError):
    """An engine failed while running a stage; ``stage`` names which."""

    code = "stage-failed"

    def __init__(self, stage: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{stage}: {message}", code=code or f"{stage}-failed")
        self.stage = stage


class WakeTimeoutError(HarkError):
    code = "wake-timeout"


class NoSpeechError(HarkError):
    """The user said nothing after the wake word (or the audio held no speech)."""

    code = "stt-no-speech"
