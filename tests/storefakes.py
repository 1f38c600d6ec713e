"""Test doubles for the store, the scheduler and the skills that use them."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hark.scheduler import Scheduler
from hark.skills.alarms import AlarmsSkill
from hark.skills.base import SkillContext, SkillResult
from hark.skills.lists import ListsSkill
from hark.skills.registry import SkillRegistry
from hark.skills.reminders import RemindersSkill
from hark.skills.timers import TimersSkill
from hark.store import Database
from tests.postgres import PostgresServer

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday, well away from DST changes.
WEDNESDAY_10AM = dt.datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)


def sqlite_url(path: Path) -> str:
    """The SQLite file at ``path``, whatever the test's backend (for tests about SQLite itself)."""
    return f"sqlite+aiosqlite:///{path}"


class PostgresDatabases:
    """The PostgreSQL databases standing for a test's database files (one per path, made at its
    first use, dropped when the test ends)."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._urls: dict[Path, str] = {}
        self._names: list[str] = []

    def url(self, path: Path, *, empty: bool = False) -> str:
        if path not in self._urls:
            name = self.server.create_database_sync(migrated=False) if empty else self.server.take_database()
            self._names.append(name)
            self._urls[path] = self.server.url(name)
        return self._urls[path]

    def drop_all(self) -> None:
        for name in self._names:
            self.server.discard_database(name)
        self._names.clear()
        self._urls.clear()


POSTGRES: contextvars.ContextVar[PostgresDatabases | None] = contextvars.ContextVar("hark_postgres", default=None)
"""Set for the length of a test that runs on PostgreSQL (the ``store_backend`` fixture)."""


def store_url(path: Path, *, empty: bool = False) -> str:
    """The database standing for ``path`` in this test: the SQLite file at ``path``, or, when the
    test runs on PostgreSQL, a database of its own there (the same one each time for one path).
    A PostgreSQL one is already at the newest schema unless ``empty`` (then it has no tables)."""
    databases = POSTGRES.get()
    return sqlite_url(path) if databases is None else databases.url(path, empty=empty)


class FakeClock:
    """A clock that only moves when told to. Keeps UTC inside so stepping over a
    DST change is exact; ``now()`` is in the zone it was started in."""

    def __init__(self, start: dt.datetime) -> None:
        assert start.tzinfo is not None
        self.tz = start.tzinfo
        self._utc = start.astimezone(dt.UTC)
        self._waiters: set[asyncio.Future[None]] = set()

    def now(self) -> dt.datetime:
        return self._utc.astimezone(self.tz)

    async def sleep_until(self, when: dt.datetime) -> None:
        while self._utc < when.astimezone(dt.UTC):
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.add(future)
            try:
                await future
            finally:
                self._waiters.discard(future)

    def advance(self, seconds: float) -> None:
        self._utc += dt.timedelta(seconds=seconds)
        for future in list(self._waiters):
            if not future.done():
                future.set_result(None)

    def set(self, when: dt.datetime) -> None:
        self.advance((when.astimezone(dt.UTC) - self._utc).total_seconds())

    @property
    def sleepers(self) -> int:
        return len(self._waiters)


@dataclasses.dataclass
class Announcement:
    device_id: str
    text: str
    chime: bool
    repeat_until_stopped: bool
    key: str


class RecordingAnnouncer:
    """Records announcements and stops; "rings" the repeating ones until stopped."""

    def __init__(self) -> None:
        self.announced: list[Announcement] = []
        self.stopped: list[tuple[str, str]] = []
        self.ringing: set[tuple[str, str]] = set()
        self._changed = asyncio.Condition()

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        self.announced.append(Announcement(device_id, text, chime, repeat_until_stopped, key))
        if repeat_until_stopped:
            self.ringing.add((device_id, key))
        async with self._changed:
            self._changed.notify_all()

    async def stop(self, device_id: str, key: str = "") -> bool:
        self.stopped.append((device_id, key))
        matching = {r for r in self.ringing if r[0] == device_id and (not key or r[1] == key)}
        self.ringing -= matching
        return bool(matching)

    async def wait_for(self, count: int, within: float = 3.0) -> list[Announcement]:
        """Wait until ``count`` announcements were made in all; returns them."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.announced) >= count)
        return self.announced

    @property
    def texts(self) -> list[str]:
        return [a.text for a in self.announced]


@dataclasses.dataclass
class Stack:
    db: Database
    scheduler: Scheduler
    announcer: RecordingAnnouncer
    clock: FakeClock
    registry: SkillRegistry

    def ctx(self, device_id: str = "kitchen") -> SkillContext:
        return SkillContext(device_id=device_id, now=self.clock.now)

    async def call(self, tool: str, device_id: str = "kitchen", **arguments: Any) -> SkillResult:
        return await self.registry.call(tool, arguments, self.ctx(device_id))

    async def settle(self) -> None:
        """Let woken tasks run (their DB round trips go through threads)."""
        for _ in range(20):
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def open_stack(
    db_path: Path | str, start: dt.datetime = WEDNESDAY_10AM, *, started: bool = True
) -> AsyncIterator[Stack]:
    """The skills on a scheduler and a database: ``db_path`` is a database URL, or a file that
    :func:`store_url` maps to the test's backend."""
    db = Database(db_path if isinstance(db_path, str) else store_url(db_path))
    await db.open()
    clock = FakeClock(start)
    announcer = RecordingAnnouncer()
    scheduler = Scheduler(db, announcer, clock)
    registry = SkillRegistry(
        [TimersSkill(db, scheduler), AlarmsSkill(db, scheduler), RemindersSkill(db, scheduler), ListsSkill(db)]
    )
    try:
        if started:
            await scheduler.start()
        yield Stack(db, scheduler, announcer, clock, registry)
    finally:
        await scheduler.stop()
        await db.close()


def schema_head() -> str:
    """The newest migration's revision: what a database opened by Hark must be at."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hark.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
