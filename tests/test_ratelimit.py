"""Rate limits: per device and per household, on a fake clock (nothing sleeps)."""

from __future__ import annotations

import pytest

from hark.household.ratelimit import Rate, RateDecision, RateLimiter, RateLimits, limited_line


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


DEVICE, HOUSEHOLD = Rate(3, 6), Rate(5, 30)


def _limiter(device: Rate = DEVICE, household: Rate = HOUSEHOLD) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(RateLimits(device, household), clock=clock), clock


def test_a_device_gets_its_burst_then_waits_for_its_refill() -> None:
    limiter, clock = _limiter()  # device: 3 at once, then 6 a minute (one every 10 s)
    assert [limiter.check("home", "den").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.check("home", "den")
    assert refused == RateDecision(
        False, "device", 10.0, "You're asking faster than I can keep up; try again in 10 seconds."
    )
    clock.advance(4)
    assert limiter.check("home", "den").retry_after_s == pytest.approx(6.0)
    clock.advance(6)
    assert limiter.check("home", "den").allowed
    assert not limiter.check("home", "den").allowed


def test_a_noisy_device_cannot_starve_the_others() -> None:
    limiter, clock = _limiter()
    for _ in range(100):  # a device stuck in a loop, one request every 100 ms
        limiter.check("home", "den")
        clock.advance(0.1)
    # it got what its own bucket allows, no more; refusals took nothing from the household's
    assert limiter.check("home", "kitchen").allowed
    assert limiter.check("home", "bedroom").allowed


def test_the_household_caps_all_its_devices_together() -> None:
    limiter, clock = _limiter()  # household: 5 at once, then 30 a minute
    answers = [limiter.check("home", f"dev{i}") for i in range(6)]
    assert [a.allowed for a in answers] == [True] * 5 + [False]
    assert answers[-1].scope == "household"
    assert answers[-1].line == "This home is asking a lot right now; try again in 2 seconds."
    assert limiter.check("next-door", "dev0").allowed  # another household is not affected
    clock.advance(2)
    assert limiter.check("home", "dev5").allowed


def test_a_refused_request_takes_nothing() -> None:
    limiter, _ = _limiter(device=Rate(1, 1), household=Rate(2, 2))
    assert limiter.check("home", "a").allowed
    for _ in range(10):
        assert limiter.check("home", "a").scope == "device"
    assert limiter.check("home", "b").allowed  # the household still had its second token


def test_idle_buckets_are_forgotten() -> None:
    limiter, clock = _limiter()
    for i in range(300):
        limiter.check("home", f"dev{i % 50}")
        clock.advance(1.0)
    assert limiter.tracked <= 2 * 50 + 2
    clock.advance(3600)
    for _ in range(256):  # pruning happens every 256 checks
        limiter.check("other", "one")
    assert limiter.tracked == 2  # only "other"/"one" and its household are left
    limiter.forget("other")
    assert limiter.tracked == 0


def test_limits_must_leave_room_for_the_other_devices() -> None:
    with pytest.raises(ValueError, match="below its household"):
        RateLimits(device=Rate(10, 60), household=Rate(10, 60))
    with pytest.raises(ValueError, match="burst"):
        Rate(0, 10)
    assert RateLimiter(clock=Clock()).check("h", "d", cost=0).allowed


def test_the_wait_is_said_in_whole_seconds_or_minutes() -> None:
    assert limited_line("device", 0.2) == "You're asking faster than I can keep up; try again in a second."
    assert limited_line("device", 41.2).endswith("try again in 42 seconds.")
    assert limited_line("household", 150).endswith("try again in 3 minutes.")
