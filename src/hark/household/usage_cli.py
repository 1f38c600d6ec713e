"""``hark usage`` (metered LLM usage per day or month) and ``hark household plan`` (plan, quotas).

Each command opens the database from the settings, does one thing and closes it, so it works
while the server runs. Days and months are the household's (its time zone, else
``brain.timezone``, else UTC). ``--json`` gives the same numbers as the admin API.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

from ..config import Settings
from ..store import Database
from ..store.models import DEFAULT_HOUSEHOLD, PLANS
from .metering import Usage, UsageMeter, UsageReportRow, household_zone, month_start
from .plans import KEEP, PlanError, Quotas, set_plan

__all__ = [
    "add_plan_arguments",
    "add_usage_parser",
    "plan_command",
    "run_plan",
    "run_usage",
    "usage_command",
    "usage_json",
]

Clock = Callable[[], dt.datetime]


def add_usage_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``usage`` to ``hark``'s subcommands."""
    usage = subparsers.add_parser("usage", help="LLM requests, tokens and estimated cost, per day or month")
    usage.add_argument("--household", default=DEFAULT_HOUSEHOLD, metavar="ID", help="default: %(default)s")
    usage.add_argument("--by", choices=("day", "month"), default="day", help="one row per day (default) or month")
    usage.add_argument("--member", action="store_true", help="one row per member as well")
    usage.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first day (default: the 1st of this month; with --by month, twelve months back)",
    )
    usage.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="last day, included (default: today)")
    usage.add_argument("--json", action="store_true", help="one JSON object (what the admin API returns)")


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``hark household plan ID classic|plus [--tokens N] [--requests N]``."""
    parser.add_argument("household_id", metavar="ID", help="the household")
    parser.add_argument("plan", choices=PLANS, help="classic (free, no language model) or plus (generative)")
    parser.add_argument("--tokens", type=_quota, metavar="N", help="monthly token quota; 'none' removes it")
    parser.add_argument("--requests", type=_quota, metavar="N", help="monthly LLM request quota; 'none' removes it")


def run_usage(args: argparse.Namespace, settings: Settings) -> int:
    """``hark usage``: exit code 0, 1 for an unknown household. Storage failures are raised."""
    return asyncio.run(usage_command(args, settings))


def run_plan(args: argparse.Namespace, settings: Settings) -> int:
    """``hark household plan``: exit code 0, 1 when refused (unknown household)."""
    return asyncio.run(plan_command(args, settings))


async def usage_command(
    args: argparse.Namespace, settings: Settings, *, clock: Clock | None = None, db: Database | None = None
) -> int:
    """The body of :func:`run_usage`, for callers that already run an event loop."""
    own = db is None
    database = db or Database.from_settings(settings)
    if own:
        await database.open()
    try:
        meter = UsageMeter(database, clock=clock, cache_s=0)
        row = await meter.household(args.household)
        if row is None:
            print(f"hark usage: no household {args.household!r}", file=sys.stderr)
            return 1
        zone = household_zone(row, settings.brain.timezone)
        since = dt.datetime.combine(args.since, dt.time(), zone) if args.since else None
        until = dt.datetime.combine(args.until + dt.timedelta(days=1), dt.time(), zone) if args.until else None
        rows = await meter.report(args.household, args.by, since, until, by_member=args.member, zone=zone)
        month = await meter.month_to_date(args.household, zone)
        quotas = Quotas.of(row)
        if args.json:
            print(json.dumps(usage_json(args.household, row.plan, quotas, month, args.by, rows), ensure_ascii=False))
            return 0
        start = month_start(meter.now(), zone)
        print(f"household {row.id} ({row.name}): plan {row.plan}")
        print(f"this month (since {start:%Y-%m-%d}): {_month_line(month, quotas)}")
        _table(rows, args.by, by_member=args.member)
        return 0
    finally:
        if own:
            await database.close()


async def plan_command(args: argparse.Namespace, settings: Settings, *, db: Database | None = None) -> int:
    """The body of :func:`run_plan`."""
    own = db is None
    database = db or Database.from_settings(settings)
    if own:
        await database.open()
    try:
        tokens = KEEP if args.tokens is None else (None if args.tokens == "none" else int(args.tokens))
        requests = KEEP if args.requests is None else (None if args.requests == "none" else int(args.requests))
        try:
            row = await set_plan(database, args.household_id, args.plan, tokens_month=tokens, requests_month=requests)
        except PlanError as exc:
            print(f"hark household plan: {exc}", file=sys.stderr)
            return 1
        print(f"household {row.id}: plan {row.plan}; {_quotas_text(Quotas.of(row))}")
        print("a running server applies it within 30 seconds")
        return 0
    finally:
        if own:
            await database.close()


def usage_json(
    household_id: str, plan: str, quotas: Quotas, month: Usage, by: str, rows: list[UsageReportRow]
) -> dict[str, Any]:
    """The report as the admin API returns it."""
    return {
        "household_id": household_id,
        "plan": plan,
        "quotas": {"tokens_month": quotas.tokens_month, "requests_month": quotas.requests_month},
        "month_to_date": {
            "requests": month.requests,
            "input_tokens": month.input_tokens,
            "output_tokens": month.output_tokens,
            "cached_tokens": month.cached_tokens,
            "tokens": month.tokens,
            "cost_usd": round(month.cost_usd, 6),
        },
        "by": by,
        "rows": [r.as_json() for r in rows],
    }


def _month_line(month: Usage, quotas: Quotas) -> str:
    requests = f"{month.requests:,} requests" + (
        f" of {quotas.requests_month:,}" if quotas.requests_month is not None else ""
    )
    tokens = f"{month.tokens:,} tokens" + (f" of {quotas.tokens_month:,}" if quotas.tokens_month is not None else "")
    return f"{requests}, {tokens}, ${month.cost_usd:.6f}"


def _quotas_text(quotas: Quotas) -> str:
    tokens = f"{quotas.tokens_month:,} tokens" if quotas.tokens_month is not None else "no token quota"
    requests = f"{quotas.requests_month:,} requests" if quotas.requests_month is not None else "no request quota"
    return f"{tokens} and {requests} a month"


def _table(rows: list[UsageReportRow], by: str, *, by_member: bool) -> None:
    if not rows:
        print("no LLM calls in this period")
        return
    header = (by.upper(), *(("MEMBER",) if by_member else ()), "REQUESTS", "INPUT", "CACHED", "OUTPUT", "COST USD")
    lines = [
        (
            r.period,
            *((r.member_id or "-",) if by_member else ()),
            f"{r.usage.requests:,}",
            f"{r.usage.input_tokens:,}",
            f"{r.usage.cached_tokens:,}",
            f"{r.usage.output_tokens:,}",
            f"{r.usage.cost_usd:.6f}",
        )
        for r in rows
    ]
    total = Usage()
    for r in rows:
        total = total + r.usage
    lines.append(
        (
            "total",
            *(("",) if by_member else ()),
            f"{total.requests:,}",
            f"{total.input_tokens:,}",
            f"{total.cached_tokens:,}",
            f"{total.output_tokens:,}",
            f"{total.cost_usd:.6f}",
        )
    )
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    text_columns = 2 if by_member else 1
    for line in [header, *lines]:
        cells = [
            cell.ljust(width) if i < text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _quota(text: str) -> str:
    if text.strip().lower() in ("none", "off", "unlimited"):
        return "none"
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number (or 'none'): {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a quota cannot be negative: {text}")
    return str(value)
