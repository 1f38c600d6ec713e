"""Range, sign and choice checks shared by the sections' ``validate`` methods.

Each raises :class:`~hark.errors.ConfigError` naming the key, so a bad value is refused at load.
"""

from __future__ import annotations

from ..errors import ConfigError


def _range(key: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise ConfigError(f"{key}: {value} is out of range ({lo} to {hi})")


def _positive(key: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{key}: must be positive, got {value}")


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(choices)}")
