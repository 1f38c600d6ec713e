"""Metering: every LLM call stored with its exact tokens and estimated cost; reports and the month so far."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from hark.household.metering import Usage, UsageMeter, household_zone, month_start, next_month_start
from hark.household.prices import LOCAL, PRICES, Price, cost_usd, price_for
from hark.llm.anthropic_backend import AnthropicBackend
from hark.llm.base import Finished, LlmRequest, Message
from hark.llm.openai_backend import OpenAIBackend
from hark.store import Database
from hark.store.models import HouseholdRow, UsageRow
from tests.fake_llm_servers import FakeAnthropic, FakeOpenAI, Reply, collect
from tests.storefakes import FakeClock, store_url

PARIS = ZoneInfo("Europe/Paris")
KEY = "sk-test-0123456789"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(store_url(tmp_path / "hark.db")) as database:
        async with database.transaction() as session:
            session.add(
                HouseholdRow(id="other", name="Next door", timezone="Europe/Paris", created_at=_utc(2026, 1, 1))
            )
        yield database


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def _meter(db: Database, clock: FakeClock, **kwargs: float) -> UsageMeter:
    return UsageMeter(db, clock=clock.now, **kwargs)  # type: ignore[arg-type]


async def _rows(db: Database) -> list[UsageRow]:
    async with db.transaction() as session:
        return list((await session.scalars(select(UsageRow).order_by(UsageRow.id))).all())


# -- prices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-haiku-4-5", "claude-haiku-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o", "gpt-4o"),
        ("GPT-4.1-mini", "gpt-4.1-mini"),
        ("gpt-5-mini-latest", "gpt-5-mini"),
    ],
)
def test_a_model_name_finds_its_row(model: str, key: str) -> None:
    assert price_for(model) == PRICES[key]


def test_unknown_and_local_models() -> None:
    assert price_for("llama3.2:3b") is None
    assert price_for("gpt-4omni") is None  # a prefix only counts at a "-" boundary after a known name...
    assert price_for("qwen2.5-1.5b-instruct-q4_k_m", backend="embedded") == LOCAL
    assert price_for("claude-haiku-4-5", backend="embedded") == LOCAL  # ...and a local backend is free


def test_cost_prices_each_prompt_token_once() -> None:
    haiku = PRICES["claude-haiku-4-5"]  # $1 in, $5 out, $0.10 cache read, $1.25 cache write
    cost = cost_usd(haiku, input_tokens=2100, output_tokens=42, cached_tokens=2000)
    assert cost == pytest.approx((100 * 1.0 + 2000 * 0.1 + 42 * 5.0) / 1e6)
    written = cost_usd(haiku, input_tokens=2100, output_tokens=0, cached_tokens=0, cache_write_tokens=2000)
    assert written == pytest.approx((100 * 1.0 + 2000 * 1.25) / 1e6)
    assert cost_usd(None, input_tokens=10**6, output_tokens=10**6) == 0.0
    assert cost_usd(Price(2.0, 8.0, 0.5), input_tokens=10, output_tokens=0, cached_tokens=99) == pytest.approx(5e-6)


# -- recording ---------------------------------------------------------------------------------


async def test_a_call_is_stored_with_its_tokens_cost_member_and_device(db: Database) -> None:
    clock = FakeClock(dt.datetime(2026, 12, 7, 9, 30, tzinfo=PARIS))
    meter = _meter(db, clock)
    done = await meter.record(
        "default", "ana", "dev-kitchen", "claude-haiku-4-5", Finished("end_turn", 2100, 42, 2000), backend="anthropic"
    )
    assert done.priced and done.usage == Usage(1, 2100, 42, 2000, pytest.approx(510e-6))  # type: ignore[arg-type]
    (row,) = await _rows(db)
    assert (row.household_id, row.member_id, row.device_id, row.kind, row.model) == (
        "default",
        "ana",
        "dev-kitchen",
        "llm",
        "claude-haiku-4-5",
    )
    assert (row.input_tokens, row.output_tokens, row.cached_tokens) == (2100, 42, 2000)
    assert row.cost_usd == pytest.approx(510e-6)
    assert row.t == _utc(2026, 12, 7, 8, 30)


async def test_local_unknown_and_failed_calls(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    meter = _meter(db, FakeClock(_utc(2026, 12, 7, 12)))
    local = await meter.record(
        "default", None, "d1", "qwen2.5-1.5b", Finished("end_turn", 300, 20, 250), backend="embedded"
    )
    assert local.priced and local.usage.cost_usd == 0.0
    with caplog.at_level(logging.WARNING, logger="hark.household.metering"):
        for _ in range(2):
            unknown = await meter.record(
                "default", None, "d1", "llama3.2", Finished("end_turn", 50, 5), backend="openai"
            )
    assert not unknown.priced and unknown.usage.cost_usd == 0.0
    assert [r.getMessage() for r in caplog.records].count(
        "no price for the model 'llama3.2': its calls are metered at $0 (add it to hark.household.prices)"
    ) == 1
    failed = await meter.record("default", None, "d1", "claude-haiku-4-5", None, backend="anthropic")
    assert failed.usage == Usage(requests=1)
    assert [(r.model, r.input_tokens, r.cached_tokens, r.cost_usd) for r in await _rows(db)] == [
        ("qwen2.5-1.5b", 300, 250, 0.0),
        ("llama3.2", 50, 0, 0.0),
        ("llama3.2", 50, 0, 0.0),
        ("claude-haiku-4-5", 0, 0, 0.0),
    ]


async def test_metering_is_exact_against_the_fake_servers(db: Database) -> None:
    """The counts the providers' streams report reach the usage rows unchanged."""
    meter = _meter(db, FakeClock(_utc(2026, 12, 7, 12)))
    request = LlmRequest(system="You are Hark.", messages=(Message("user", "Hi"),))
    with FakeAnthropic(api_key=KEY) as anthropic_server, FakeOpenAI(api_key=KEY) as openai_server:
        anthropic = AnthropicBackend(KEY, base_url=anthropic_server.url, timeout_s=2.0)
        openai = OpenAIBackend(KEY, "gpt-4o-mini", base_url=openai_server.base_url, timeout_s=2.0)
        try:
            anthropic_server.push(Reply(text=["Hi."], input_tokens=2345, output_tokens=67, cached_tokens=2000))
            openai_server.push(Reply(text=["Hello."], input_tokens=1500, output_tokens=33, cached_tokens=1024))
            for backend in (anthropic, openai):
                finished = (await collect(backend, request))[-1]
                assert isinstance(finished, Finished)
                await meter.record("default", None, "d1", backend.model, finished, backend=backend.name)
        finally:
            await anthropic.aclose()
            await openai.aclose()
    rows = await _rows(db)
    assert [(r.model, r.input_tokens, r.output_tokens, r.cached_tokens) for r in rows] == [
        ("claude-haiku-4-5", 2345, 67, 2000),
        ("gpt-4o-mini", 1500, 33, 1024),
    ]
    assert rows[0].cost_usd == pytest.approx((345 * 1.0 + 2000 * 0.1 + 67 * 5.0) / 1e6)
    assert rows[1].cost_usd == pytest.approx((476 * 0.15 + 1024 * 0.075 + 33 * 0.6) / 1e6)


# -- month to date -----------------------------------------------------------------------------


def test_month_bounds_are_the_households() -> None:
    late_utc = _utc(2026, 11, 30, 23, 30)  # already December 1st in Paris
    assert month_start(late_utc, PARIS) == dt.datetime(2026, 12, 1, tzinfo=PARIS)
    assert month_start(late_utc, dt.UTC) == _utc(2026, 11, 1)
    assert next_month_start(_utc(2026, 12, 15), PARIS) == dt.datetime(2027, 1, 1, tzinfo=PARIS)
    row = HouseholdRow(id="x", name="x", timezone="Mars/Olympus", created_at=_utc(2026, 1, 1))
    assert household_zone(row, "Europe/Paris") == PARIS
    assert str(household_zone(None)) == "UTC"


async def test_month_to_date_counts_this_month_of_this_household_only(db: Database) -> None:
    clock = FakeClock(_utc(2026, 11, 30, 22, 30))  # 23:30 on November 30th in Paris
    meter = _meter(db, clock, cache_s=0)
    await meter.record("default", None, "d1", "claude-haiku-4-5", Finished("end_turn", 100, 10))  # November
    clock.set(_utc(2026, 11, 30, 23, 30))  # 00:30 on December 1st in Paris
    await meter.record("default", "ana", "d1", "claude-haiku-4-5", Finished("end_turn", 200, 20, 150))
    await meter.record("other", None, "d9", "claude-haiku-4-5", Finished("end_turn", 999, 99))
    december = await meter.month_to_date("default", PARIS)
    assert (december.requests, december.input_tokens, december.output_tokens, december.cached_tokens) == (
        1,
        200,
        20,
        150,
    )
    assert december.tokens == 220
    assert (await meter.month_to_date("default", dt.UTC)).requests == 2  # still November in UTC
    assert (await meter.month_to_date("nobody", PARIS)) == Usage()


async def test_month_to_date_is_cached_and_follows_this_meters_calls(db: Database) -> None:
    clock = FakeClock(_utc(2026, 12, 7, 12))
    meter = _meter(db, clock, cache_s=60)
    assert await meter.month_to_date("default", PARIS) == Usage()
    await meter.record("default", None, "d1", "gpt-4o-mini", Finished("end_turn", 1000, 100))
    assert (await meter.month_to_date("default", PARIS)).tokens == 1100  # this meter's call, no query
    async with db.transaction() as session:  # another process meters a call
        session.add(
            UsageRow(household_id="default", t=clock.now(), model="m", input_tokens=5, output_tokens=5, cost_usd=0.0)
        )
    assert (await meter.month_to_date("default", PARIS)).requests == 1  # within cache_s: not seen yet
    clock.advance(61)
    assert (await meter.month_to_date("default", PARIS)).requests == 2
    clock.set(_utc(2027, 1, 1, 0))  # a new month in Paris: a new total
    assert await meter.month_to_date("default", PARIS) == Usage()


async def test_many_rows_add_up_per_household_and_month(db: Database) -> None:
    clock = FakeClock(_utc(2026, 12, 20, 12))
    times = [_utc(2026, 11, 1) + dt.timedelta(minutes=29 * i) for i in range(2000)]
    async with db.transaction() as session:
        await session.execute(
            insert(UsageRow),
            [
                {
                    "household_id": "default" if i % 2 else "other",
                    "t": t,
                    "kind": "llm",
                    "model": "claude-haiku-4-5",
                    "input_tokens": 100,
                    "output_tokens": 10,
                    "cached_tokens": 50,
                    "cost_usd": 0.001,
                }
                for i, t in enumerate(times)
            ],
        )
    usage = await _meter(db, clock).month_to_date("default", dt.UTC)
    in_december = sum(1 for i, t in enumerate(times) if i % 2 and _utc(2026, 12, 1) <= t < _utc(2027, 1, 1))
    assert in_december > 100
    assert (usage.requests, usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (
        in_december,
        100 * in_december,
        10 * in_december,
        50 * in_december,
    )
    assert usage.cost_usd == pytest.approx(0.001 * in_december)


# -- reports -----------------------------------------------------------------------------------


async def test_report_by_day_and_month_in_the_households_zone(db: Database) -> None:
    clock = FakeClock(_utc(2026, 11, 30, 22, 30))  # Nov 30, 23:30 in Paris
    meter = _meter(db, clock)
    calls = [
        (_utc(2026, 11, 30, 22, 30), "ana", 100),
        (_utc(2026, 11, 30, 23, 30), "ana", 200),  # Dec 1 in Paris
        (_utc(2026, 12, 1, 10, 0), "ben", 300),
        (_utc(2026, 12, 1, 11, 0), None, 400),
        (_utc(2026, 12, 3, 8, 0), "ana", 500),
    ]
    for t, member, tokens in calls:
        clock.set(t)
        await meter.record("default", member, "d1", "claude-haiku-4-5", Finished("end_turn", tokens, 1))
        await meter.record("other", member, "d9", "claude-haiku-4-5", Finished("end_turn", 7, 7))
    clock.set(_utc(2026, 12, 7, 12))
    since = dt.datetime(2026, 11, 1, tzinfo=PARIS)

    days = await meter.report("default", "day", since, zone=PARIS)
    assert [(r.period, r.member_id, r.usage.requests, r.usage.input_tokens) for r in days] == [
        ("2026-11-30", None, 1, 100),
        ("2026-12-01", None, 3, 900),
        ("2026-12-03", None, 1, 500),
    ]
    assert days[1].start == dt.datetime(2026, 12, 1, tzinfo=PARIS)

    months = await meter.report("default", "month", since, zone=PARIS, by_member=True)
    assert [(r.period, r.member_id, r.usage.requests, r.usage.input_tokens) for r in months] == [
        ("2026-11", "ana", 1, 100),
        ("2026-12", None, 1, 400),
        ("2026-12", "ana", 2, 700),
        ("2026-12", "ben", 1, 300),
    ]
    assert months[2].as_json() == {
        "period": "2026-12",
        "start": "2026-12-01T00:00:00+01:00",
        "member_id": "ana",
        "requests": 2,
        "input_tokens": 700,
        "output_tokens": 2,
        "cached_tokens": 0,
        "tokens": 702,
        "cost_usd": round((700 * 1.0 + 2 * 5.0) / 1e6, 6),
    }
    utc_days = await meter.report("default", "day", _utc(2026, 11, 1), zone=dt.UTC)
    assert [r.period for r in utc_days] == ["2026-11-30", "2026-12-01", "2026-12-03"]
    assert sum(r.usage.requests for r in utc_days) == 5
    # the default range of a daily report is this month so far
    assert [r.period for r in await meter.report("default", "day", zone=PARIS)] == ["2026-12-01", "2026-12-03"]
    with pytest.raises(ValueError, match="period"):
        await meter.report("default", "week")  # type: ignore[arg-type]
