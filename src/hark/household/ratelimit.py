"""Rate limits per device and per household, so one noisy device cannot starve the others.

Two token buckets guard each request: the device's and its household's. A request passes
only when both have a token, and then takes one from each; a refused request takes none (so
a device hammering away does not drain the household's bucket while it is refused). The
device's rate is lower than the household's (checked), so one device can use at most its own
share and the household's other devices always find tokens left; the household's bucket caps
all of a home's devices together (a home, or a leaked set of tokens, cannot flood the model).

Refusals say why, in words that can be spoken (:attr:`RateDecision.line`), and in how long a
retry would pass (:attr:`RateDecision.retry_after_s`). The clock is injected (monotonic
seconds); nothing sleeps. Buckets that have refilled are forgotten, so memory follows the
devices active lately, not every device ever seen. State is in memory, per process.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Literal

__all__ = ["Rate", "RateDecision", "RateLimiter", "RateLimits", "limited_line"]

Scope = Literal["device", "household"]


@dataclasses.dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` requests at once, refilled at ``per_minute`` requests a minute."""

    burst: float
    per_minute: float

    def __post_init__(self) -> None:
        if not (self.burst >= 1 and self.per_minute > 0 and math.isfinite(self.burst + self.per_minute)):
            raise ValueError(f"a rate needs burst >= 1 and per_minute > 0: {self!r}")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class RateLimits:
    """The defaults: a device may ask 6 in a row, then 1 every 5 s (12 a minute); a household
    30 in a row, then 1 a second. Generous for a person talking, tight for a loop."""

    device: Rate = Rate(burst=6, per_minute=12)
    household: Rate = Rate(burst=30, per_minute=60)

    def __post_init__(self) -> None:
        if self.device.per_minute >= self.household.per_minute or self.device.burst > self.household.burst:
            raise ValueError("a device's rate must stay below its household's, or one device could use it all")


@dataclasses.dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    scope: Scope | None = None
    """Which bucket refused (None when allowed)."""
    retry_after_s: float = 0.0
    line: str = ""
    """One spoken sentence when refused."""


def limited_line(scope: Scope, retry_after_s: float) -> str:
    seconds = max(1, math.ceil(retry_after_s))
    wait = (
        "a second" if seconds == 1 else f"{seconds} seconds" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    )
    if scope == "device":
        return f"You're asking faster than I can keep up; try again in {wait}."
    return f"This home is asking a lot right now; try again in {wait}."


@dataclasses.dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float

    def refill(self, rate: Rate, now: float) -> None:
        if now > self.at:
            self.tokens = min(rate.burst, self.tokens + (now - self.at) * rate.per_second)
        self.at = max(self.at, now)

    def wait_s(self, rate: Rate, cost: float) -> float:
        return max(0.0, (cost - self.tokens) / rate.per_second)


class RateLimiter:
    """See the module docstring.

    :param limits: the device and household rates.
    :param clock: monotonic seconds (``time.monotonic``); a fake one in tests.
    """

    def __init__(self, limits: RateLimits | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._devices: dict[tuple[str, str], _Bucket] = {}
        self._households: dict[str, _Bucket] = {}
        self._checks = 0

    def check(self, household_id: str, device_id: str, cost: float = 1.0) -> RateDecision:
        """Take ``cost`` from both buckets if both have it; else refuse, taking nothing."""
        if cost <= 0:
            return RateDecision(True)
        now = self._clock()
        limits = self.limits
        device = self._devices.get((household_id, device_id)) or _Bucket(limits.device.burst, now)
        home = self._households.get(household_id) or _Bucket(limits.household.burst, now)
        device.refill(limits.device, now)
        home.refill(limits.household, now)
        self._devices[(household_id, device_id)] = device
        self._households[household_id] = home
        self._checks += 1
        if self._checks % 256 == 0:
            self._prune(now)
        if device.tokens < cost:
            wait = device.wait_s(limits.device, cost)
            return RateDecision(False, "device", wait, limited_line("device", wait))
        if home.tokens < cost:
            wait = home.wait_s(limits.household, cost)
            return RateDecision(False, "household", wait, limited_line("household", wait))
        device.tokens -= cost
        home.tokens -= cost
        return RateDecision(True)

    def forget(self, household_id: str, device_id: str | None = None) -> None:
        """Drop a device's bucket (revoked), or a household's and all its devices'."""
        if device_id is not None:
            self._devices.pop((household_id, device_id), None)
            return
        self._households.pop(household_id, None)
        for key in [k for k in self._devices if k[0] == household_id]:
            del self._devices[key]

    @property
    def tracked(self) -> int:
        """Buckets held in memory (devices and households)."""
        return len(self._devices) + len(self._households)

    def _prune(self, now: float) -> None:
        """Forget buckets that are full again: a new bucket would be the same."""
        for key, bucket in list(self._devices.items()):
            bucket.refill(self.limits.device, now)
            if bucket.tokens >= self.limits.device.burst:
                del self._devices[key]
        for name, bucket in list(self._households.items()):
            bucket.refill(self.limits.household, now)
            if bucket.tokens >= self.limits.household.burst:
                del self._households[name]
