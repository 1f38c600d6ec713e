"""The store: migrations, SQLite settings, UTC columns, the turn log, and failures."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from hark.config import Settings, StorageSettings
from hark.store import Base, Database, ListItem, StorageError, Timer, TurnLog
from tests.storefakes import PARIS, schema_head, sqlite_url


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_fresh_database_is_migrated_to_head(tmp_path: Path) -> None:
    path = tmp_path / "data" / "hark.db"  # the folder does not exist yet
    db = Database.from_settings(Settings(data_dir=tmp_path / "data"))
    assert db.url == sqlite_url(path)
    async with db, db.transaction() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    assert {"timers", "alarms", "reminders", "list_items", "turn_log", "alembic_version"} <= _tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema_head(),)]


async def test_existing_database_reopens_with_its_data(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "hark.db")
    async with Database(url) as db:
        turn = await db.log_turn(device_id="kitchen", transcript="hi", reply="Hello.", brain="classic")
    async with Database(url) as db, db.transaction() as session:
        assert (await session.scalars(select(TurnLog.id))).all() == [turn]


async def test_models_match_the_migrations(tmp_path: Path) -> None:
    def diff(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with Database(sqlite_url(tmp_path / "hark.db")) as db, db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_storage_settings_default_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    assert StorageSettings().database_url(tmp_path) == f"sqlite+aiosqlite:///{tmp_path / 'hark.db'}"
    assert Database("postgresql+asyncpg://u:secret@h/db").display_url == "postgresql+asyncpg://u:***@h/db"


async def test_log_turn_stores_json_slots_and_utc(tmp_path: Path) -> None:
    t = dt.datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)
    async with Database(sqlite_url(tmp_path / "hark.db")) as db:
        await db.log_turn(
            device_id="kitchen",
            transcript="set a pasta timer for 10 minutes",
            intent="HassStartTimer",
            slots={"name": "pasta", "duration_s": 600},
            reply="Pasta timer set for 10 minutes.",
            brain="classic",
            t=t,
        )
        async with db.transaction() as session:
            row = (await session.scalars(select(TurnLog))).one()
    assert json.loads(row.slots) == {"duration_s": 600, "name": "pasta"}
    assert row.t == t and row.t.tzinfo == dt.UTC and row.t.hour == 9
    with sqlite3.connect(tmp_path / "hark.db") as conn:  # UTC on disk, too
        assert conn.execute("SELECT t FROM turn_log").fetchone()[0].startswith("2025-03-12 09:00:00")


async def test_a_naive_datetime_is_a_bug_not_a_storage_error(tmp_path: Path) -> None:
    async with Database(sqlite_url(tmp_path / "hark.db")) as db:
        with pytest.raises(Exception, match="naive datetime") as info:
            await db.log_turn(device_id="k", transcript="", reply="", brain="b", t=dt.datetime(2025, 1, 1))
        assert not isinstance(info.value, StorageError)


async def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)

    async def crash_half_way(db: Database) -> None:
        async with db.transaction() as session:
            session.add(ListItem(list_name="shopping", item="milk", done=False, created_at=now))
            await session.flush()
            raise RuntimeError("crash half way")

    async with Database(sqlite_url(tmp_path / "hark.db")) as db:
        with pytest.raises(RuntimeError):
            await crash_half_way(db)
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(ListItem)) == 0


async def test_a_locked_database_is_a_storage_error_and_nothing_is_half_written(tmp_path: Path) -> None:
    path = tmp_path / "hark.db"
    async with Database(sqlite_url(path)):
        pass  # migrated before the lock is taken
    db = Database(sqlite_url(path), busy_timeout_s=0.2)
    await db.open()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError, match="locked") as info:
            await db.log_turn(device_id="kitchen", transcript="x", reply="y", brain="b")
        assert info.value.code == "storage-failed"
        with pytest.raises(StorageError, match="locked"):
            await Database(sqlite_url(path), busy_timeout_s=0.1).open()  # even opening (migrations) says so
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(TurnLog)) == 0
    await db.close()


async def test_a_full_disk_is_a_storage_error_and_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "hark.db"
    now = dt.datetime.now(dt.UTC)

    async def fill(db: Database) -> None:
        async with db.transaction() as session:
            pages = (await session.execute(text("PRAGMA page_count"))).scalar()
            await session.execute(text(f"PRAGMA max_page_count = {pages}"))  # the "disk" is now full
            for i in range(500):
                session.add(ListItem(list_name="shopping", item=f"item {i} " + "x" * 180, done=False, created_at=now))
                await session.flush()

    async with Database(sqlite_url(path)) as db:
        with pytest.raises(StorageError, match="disk is full"):
            await fill(db)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM list_items").fetchone() == (0,)


async def test_an_unusable_data_dir_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the folder"):
        await Database(sqlite_url(tmp_path / "file" / "hark.db")).open()
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a Hark database"):
        await Database(sqlite_url(tmp_path / "junk.db")).open()


async def test_using_a_closed_database_is_a_storage_error(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "hark.db"))
    with pytest.raises(StorageError, match="not open"):
        async with db.transaction():
            pass


async def test_timer_times_round_trip_as_utc(tmp_path: Path) -> None:
    local = dt.datetime(2025, 7, 1, 12, 0, tzinfo=PARIS)
    async with Database(sqlite_url(tmp_path / "hark.db")) as db:
        async with db.transaction() as session:
            session.add(
                Timer(
                    device_id="k",
                    name="tea",
                    duration_s=60,
                    created_at=local,
                    ends_at=local,
                    state="running",
                    late=False,
                )
            )
        async with db.transaction() as session:
            timer = (await session.scalars(select(Timer))).one()
    assert timer.ends_at == local and timer.ends_at.tzinfo == dt.UTC
