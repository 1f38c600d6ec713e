"""Metering benchmark: what the plan gate and the meter cost a generative turn, on SQLite.

A fresh SQLite database (WAL, ``synchronous=FULL``, as Hark opens it) in a temporary folder gets
``--rows`` usage rows (default 10,000) of one household, all in the current month (the worst
case for its month-to-date query), and as many of another household over the last 50 days.
Measured:

* ``month_to_date``: the indexed aggregate query a quota check makes when its cache is cold
  (``cache_s=0``, so every call queries);
* ``month_to_date_cached``: the same with the meter's in-memory total (what a turn pays);
* ``gate_check``: :meth:`PlanGate.check` for a ``plus`` household with quotas, warm caches;
* ``record``: one :meth:`UsageMeter.record` (one committed row: one fsync);
* ``report_day``: ``hark usage``'s daily report of the current month.

Times in microseconds, median and p95 over ``--repeat`` calls.

    .venv/bin/python -m bench.metering [--rows 10000] [--repeat 200] [--out bench/results/metering.json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.metrics import format_row, machine_info, summary, table_header, write_json
from hark.household.metering import UsageMeter
from hark.household.plans import PlanGate, set_plan
from hark.llm.base import Finished
from hark.store import Database
from hark.store.models import HouseholdRow, UsageRow

NOW = dt.datetime(2026, 12, 20, 12, 0, tzinfo=dt.UTC)


async def _time(repeat: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float | int | None]:
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1e6)
    return summary(times)


async def run(rows: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hark-bench-metering-") as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'hark.db'}")
        await db.open()
        try:
            async with db.transaction() as session:
                session.add(HouseholdRow(id="other", name="Other", created_at=NOW))
            month = dt.datetime(NOW.year, NOW.month, 1, tzinfo=dt.UTC)
            earlier = NOW - dt.timedelta(days=50)
            spans = {"default": (month, (NOW - month) / rows), "other": (earlier, (NOW - earlier) / rows)}
            async with db.transaction() as session:
                await session.execute(
                    insert(UsageRow),
                    [
                        {
                            "household_id": household,
                            "member_id": f"m{i % 3}",
                            "device_id": f"d{i % 4}",
                            "t": spans[household][0] + spans[household][1] * i,
                            "kind": "llm",
                            "model": "claude-haiku-4-5",
                            "input_tokens": 2000,
                            "output_tokens": 40,
                            "cached_tokens": 1800,
                            "cost_usd": 0.0006,
                        }
                        for household in spans
                        for i in range(rows)
                    ],
                )
            await set_plan(db, "default", "plus", tokens_month=10**9, requests_month=10**6)
            cold = UsageMeter(db, clock=lambda: NOW, cache_s=0)
            warm = UsageMeter(db, clock=lambda: NOW, cache_s=60)
            gate = PlanGate(warm, cache_s=30)
            this_month = await cold.month_to_date("default", dt.UTC)
            results = {
                "month_to_date": await _time(repeat, lambda: cold.month_to_date("default", dt.UTC)),
                "month_to_date_cached": await _time(repeat, lambda: warm.month_to_date("default", dt.UTC)),
                "gate_check": await _time(repeat, lambda: gate.check("default")),
                "record": await _time(
                    repeat,
                    lambda: warm.record(
                        "default", "m1", "d1", "claude-haiku-4-5", Finished("end_turn", 2000, 40, 1800)
                    ),
                ),
                "report_day": await _time(max(1, repeat // 10), lambda: cold.report("default", "day")),
            }
        finally:
            await db.close()
    return {"rows": 2 * rows, "rows_this_month_household": this_month.requests, "us": results}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("bench/results/metering.json"))
    args = ap.parse_args()
    report = asyncio.run(run(args.rows, args.repeat))
    print(f"{report['rows']} usage rows, {report['rows_this_month_household']} of them this month's of the household")
    print(table_header("microseconds"))
    for name, stats in report["us"].items():
        print(format_row(name, stats))
    report["machine"] = machine_info()
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
