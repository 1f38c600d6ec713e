"""Metering: every LLM call a household makes, stored with its tokens and estimated cost.

:meth:`UsageMeter.record` stores one ``usage`` row per model call from the
:class:`~hark.llm.base.Finished` that ended its stream (input, output and cached tokens as the
backend counted them, the model, the cost from :mod:`hark.household.prices`), for the household
and, when known, the member and the device. A call that failed before it finished is recorded
too when the caller says so (``finished=None``): one request, no tokens known.

:meth:`UsageMeter.month_to_date` is what the plan gate reads before every generative turn: the
requests and tokens of the household's current calendar month (in its time zone), from one
aggregate query over the ``(household_id, t)`` index, then kept in memory and advanced by each
:meth:`record` of this meter, and read again from the database after ``cache_s`` (so usage
recorded by another process counts within that time).

:meth:`UsageMeter.report` answers ``hark usage`` and the admin API: requests, tokens and cost
per day or per month in the household's time zone, optionally per member. Rows are grouped
in Python (the zone's day and month boundaries, DST included, the same on SQLite and
PostgreSQL); a report reads only the rows of its range, through the same index.

Tokens that count against a quota: ``input_tokens + output_tokens`` (every token the model read
or wrote, cached ones included), see :attr:`Usage.tokens`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..llm.base import Finished
from ..store import Database
from ..store.models import HouseholdRow, UsageRow
from .prices import PRICES, Price, cost_usd, price_for

log = logging.getLogger(__name__)

__all__ = [
    "Metered",
    "Period",
    "Usage",
    "UsageMeter",
    "UsageReportRow",
    "household_zone",
    "month_start",
    "next_month_start",
]

Period = Literal["day", "month"]
Clock = Callable[[], dt.datetime]
_UTC = ZoneInfo("UTC")


@dataclasses.dataclass(frozen=True, slots=True)
class Usage:
    """Totals over some span."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        """What a token quota counts: every token read or written."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.requests + other.requests,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cost_usd + other.cost_usd,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Metered:
    """What :meth:`UsageMeter.record` stored."""

    id: int
    t: dt.datetime
    model: str
    usage: Usage
    priced: bool
    """False when the model is not in the price table (its cost was counted as 0)."""


@dataclasses.dataclass(frozen=True, slots=True)
class UsageReportRow:
    """One period (and member, when asked) of a report."""

    period: str
    """``2026-03-12`` (day) or ``2026-03`` (month), in the household's zone."""
    start: dt.datetime
    """The period's first instant, in the household's zone."""
    member_id: str | None
    usage: Usage

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "member_id": self.member_id,
            "requests": self.usage.requests,
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "cached_tokens": self.usage.cached_tokens,
            "tokens": self.usage.tokens,
            "cost_usd": round(self.usage.cost_usd, 6),
        }


def month_start(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of ``now``'s calendar month in ``zone`` (aware, in ``zone``)."""
    local = now.astimezone(zone)
    return dt.datetime(local.year, local.month, 1, tzinfo=zone)


def next_month_start(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    local = now.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return dt.datetime(year, month, 1, tzinfo=zone)


def household_zone(row: HouseholdRow | None, fallback: str = "") -> dt.tzinfo:
    """The household's zone, else ``fallback`` (``brain.timezone``), else UTC. A name the
    zone database does not know counts as unset (a warning is logged)."""
    for name in (row.timezone if row is not None else None, fallback):
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError):
                log.warning("unknown time zone %r; using the next one known", name)
    return _UTC


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(slots=True)
class _Cached:
    start: dt.datetime
    end: dt.datetime
    usage: Usage
    read_at: dt.datetime


class UsageMeter:
    """Records and reports metered usage in ``db``.

    :param clock: the current aware time (stamps rows, decides the month); a fake one in tests.
    :param cache_s: how long a month-to-date total is trusted before it is read again (0: never).
    :param prices: the price table (:data:`hark.household.prices.PRICES`).
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        cache_s: float = 60.0,
        prices: Mapping[str, Price] | None = None,
    ) -> None:
        if cache_s < 0:
            raise ValueError(f"cache_s must not be negative, not {cache_s!r}")
        self.db = db
        self._clock = clock or _utcnow
        self.cache = dt.timedelta(seconds=cache_s)
        self.prices = PRICES if prices is None else prices
        self._month: dict[str, _Cached] = {}
        self._unpriced: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the clock gave a naive datetime {now!r}: give it a time zone")
        return now.astimezone(dt.UTC)

    # -- recording -------------------------------------------------------------------------------

    async def record(
        self,
        household_id: str,
        member_id: str | None,
        device_id: str | None,
        model: str,
        finished: Finished | None,
        *,
        backend: str = "",
    ) -> Metered:
        """Store one model call. ``backend`` is ``LlmBackend.name`` (``embedded`` costs nothing);
        ``finished`` None: the call failed before reporting usage (one request, 0 tokens).
        Raises :class:`~hark.store.StorageError` when the row cannot be written."""
        input_tokens = max(0, finished.input_tokens) if finished is not None else 0
        output_tokens = max(0, finished.output_tokens) if finished is not None else 0
        cached = min(input_tokens, max(0, finished.cached_input_tokens)) if finished is not None else 0
        written = max(0, int(getattr(finished, "cache_write_input_tokens", 0) or 0))
        price = price_for(model, backend=backend, prices=self.prices)
        if price is None and model not in self._unpriced:
            self._unpriced.add(model)
            log.warning(
                "no price for the model %r: its calls are metered at $0 (add it to hark.household.prices)", model
            )
        cost = cost_usd(
            price,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached,
            cache_write_tokens=written,
        )
        now = self.now()
        row = UsageRow(
            household_id=household_id,
            member_id=member_id,
            device_id=device_id,
            t=now,
            kind="llm",
            model=model[:100],
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached,
            cost_usd=cost,
        )
        async with self.db.transaction() as session:
            session.add(row)
            await session.flush()
            row_id = row.id
        usage = Usage(1, input_tokens, output_tokens, cached, cost)
        entry = self._month.get(household_id)
        if entry is not None and entry.start <= now < entry.end:
            entry.usage = entry.usage + usage
        return Metered(row_id, now, row.model, usage, price is not None)

    # -- reading ---------------------------------------------------------------------------------

    async def month_to_date(self, household_id: str, zone: dt.tzinfo = _UTC) -> Usage:
        """The household's usage since the start of its current month in ``zone``: one indexed
        aggregate query, then the in-memory total (see the module docstring)."""
        now = self.now()
        start, end = month_start(now, zone), next_month_start(now, zone)
        entry = self._month.get(household_id)
        if entry is not None and entry.start == start and self._fresh(entry, now):
            return entry.usage
        lock = self._locks.setdefault(household_id, asyncio.Lock())
        async with lock:  # one read per household at a time; the others take its result
            entry = self._month.get(household_id)
            if entry is not None and entry.start == start and self._fresh(entry, now):
                return entry.usage
            usage = await self.total(household_id, start, end)
            self._month[household_id] = _Cached(start, end, usage, now)
            return usage

    def forget(self, household_id: str | None = None) -> None:
        """Drop cached month-to-date totals (one household's, or all): the next read queries."""
        if household_id is None:
            self._month.clear()
        else:
            self._month.pop(household_id, None)

    async def total(self, household_id: str, since: dt.datetime, until: dt.datetime) -> Usage:
        """Totals of the household's calls with ``since <= t < until``: one aggregate query."""
        query = select(
            func.count(UsageRow.id),
            func.coalesce(func.sum(UsageRow.input_tokens), 0),
            func.coalesce(func.sum(UsageRow.output_tokens), 0),
            func.coalesce(func.sum(UsageRow.cached_tokens), 0),
            func.coalesce(func.sum(UsageRow.cost_usd), 0.0),
        ).where(UsageRow.household_id == household_id, UsageRow.t >= since, UsageRow.t < until)
        async with self.db.transaction() as session:
            requests, input_tokens, output_tokens, cached, cost = (await session.execute(query)).one()
        return Usage(int(requests), int(input_tokens), int(output_tokens), int(cached), float(cost))

    async def report(
        self,
        household_id: str,
        period: Period = "day",
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        by_member: bool = False,
        zone: dt.tzinfo = _UTC,
    ) -> list[UsageReportRow]:
        """Usage per ``period`` in ``zone`` (and per member when ``by_member``), oldest first;
        periods without calls are left out. ``since`` defaults to the start of the current month
        (``day``) or of the month eleven months ago (``month``), ``until`` to now (exclusive)."""
        if period not in ("day", "month"):
            raise ValueError(f"period must be 'day' or 'month', not {period!r}")
        now = self.now()
        if until is None:
            until = now + dt.timedelta(microseconds=1)
        if since is None:
            since = month_start(now, zone)
            if period == "month":
                local = since
                months = local.year * 12 + local.month - 1 - 11
                since = dt.datetime(months // 12, months % 12 + 1, 1, tzinfo=zone)
        query = (
            select(
                UsageRow.t,
                UsageRow.member_id,
                UsageRow.input_tokens,
                UsageRow.output_tokens,
                UsageRow.cached_tokens,
                UsageRow.cost_usd,
            )
            .where(UsageRow.household_id == household_id, UsageRow.t >= since, UsageRow.t < until)
            .order_by(UsageRow.t)
        )
        async with self.db.transaction() as session:
            rows = (await session.execute(query)).all()
        return _group(rows, period, zone, by_member=by_member)

    async def household(self, household_id: str) -> HouseholdRow | None:
        """The household's row (plan, quotas, zone), or None."""
        async with self.db.transaction() as session:
            return await session.get(HouseholdRow, household_id)

    def _fresh(self, entry: _Cached, now: dt.datetime) -> bool:
        return bool(self.cache) and dt.timedelta(0) <= now - entry.read_at < self.cache


def _group(
    rows: Sequence[tuple[dt.datetime, str | None, int, int, int, float]],
    period: Period,
    zone: dt.tzinfo,
    *,
    by_member: bool,
) -> list[UsageReportRow]:
    totals: dict[tuple[dt.datetime, str | None], Usage] = {}
    for t, member_id, input_tokens, output_tokens, cached, cost in rows:
        local = t.astimezone(zone)
        if period == "day":
            start = dt.datetime(local.year, local.month, local.day, tzinfo=zone)
        else:
            start = dt.datetime(local.year, local.month, 1, tzinfo=zone)
        key = (start, member_id if by_member else None)
        totals[key] = totals.get(key, Usage()) + Usage(1, input_tokens, output_tokens, cached, cost)
    return [
        UsageReportRow(
            period=start.strftime("%Y-%m-%d" if period == "day" else "%Y-%m"),
            start=start,
            member_id=member_id,
            usage=usage,
        )
        for (start, member_id), usage in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]
