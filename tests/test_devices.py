"""The devices of a household: pairing codes, device tokens, revocation, what is stored."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hark.household.devices import MAX_LIVE_CODES, DeviceRegistry, PairingError
from hark.store import Database
from tests.storefakes import WEDNESDAY_10AM, FakeClock, sqlite_url, store_url

T0 = WEDNESDAY_10AM.astimezone(dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WEDNESDAY_10AM)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(store_url(tmp_path / "hark.db")) as database:
        yield database


@pytest.fixture
def registry(db: Database, clock: FakeClock) -> DeviceRegistry:
    return DeviceRegistry(db, clock=clock.now)


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def _refused(registry: DeviceRegistry, code: str) -> PairingError:
    with pytest.raises(PairingError) as caught:
        await registry.pair(code)
    assert caught.value.code == "pairing-refused"
    return caught.value


async def _who(registry: DeviceRegistry, token: str) -> str | None:
    device = await registry.authenticate(token)
    return device.device_id if device is not None else None


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- pairing codes ---------------------------------------------------------------------------------


async def test_a_code_is_six_digits_and_expires_exactly_at_its_ttl(registry: DeviceRegistry, clock: FakeClock) -> None:
    first = await registry.start_pairing(name="kitchen speaker", room="kitchen", ttl_s=600)
    second = await registry.start_pairing(ttl_s=600)
    assert len(first.code) == 6 and first.code.isdigit() and first.code != second.code
    assert first.expires_at == T0 + dt.timedelta(seconds=600) and first.expires_at.tzinfo == dt.UTC
    clock.advance(599)
    paired = await registry.pair(first.code)
    assert (paired.name, paired.room, paired.paired_at) == (
        "kitchen speaker",
        "kitchen",
        T0 + dt.timedelta(seconds=599),
    )
    clock.advance(1)  # exactly at expires_at: expired
    error = await _refused(registry, second.code)
    assert "wrong, expired or already used" in error.message and error.locked_until is None
    assert [d.device_id for d in await registry.list()] == [paired.device_id]


@pytest.mark.sqlite_only("reads the SQLite file")
async def test_a_code_is_single_use_even_when_two_devices_race_for_it(
    registry: DeviceRegistry, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    code = (await registry.start_pairing(name="hall")).code
    elsewhere = DeviceRegistry(db, clock=clock.now)  # no lock shared with `registry`: the database decides
    results = await asyncio.gather(registry.pair(code), elsewhere.pair(code), return_exceptions=True)
    paired = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, PairingError)]
    assert len(paired) == 1 and len(refused) == 1
    await _refused(registry, code)
    assert len(await registry.list()) == 1
    used = _rows(tmp_path / "hark.db", "SELECT used_at IS NOT NULL, device_id FROM pairing_codes")
    assert used == [(1, paired[0].device_id)]


async def test_wrong_and_malformed_codes_are_refused_and_a_spaced_code_is_accepted(
    db: Database, clock: FakeClock
) -> None:
    registry = DeviceRegistry(db, clock=clock.now, max_failures=10)
    code = (await registry.start_pairing()).code
    for wrong in (_other(code), "", "abc", "12345", "1234567", "١٢٣٤٥٦", code + "0", "9" * 100):
        assert (await _refused(registry, wrong)).locked_until is None
    assert await registry.list() == []
    paired = await registry.pair(f" {code[:3]} {code[3:]} ")
    assert [d.device_id for d in await registry.list()] == [paired.device_id]


async def test_too_many_wrong_codes_lock_pairing_for_a_while_and_say_so(db: Database, clock: FakeClock) -> None:
    registry = DeviceRegistry(db, clock=clock.now, max_failures=3, window_s=60, lockout_s=120)
    code = (await registry.start_pairing(ttl_s=3600)).code
    for _ in range(2):
        assert (await _refused(registry, _other(code))).locked_until is None
    assert await registry.locked_until() is None
    third = await _refused(registry, _other(code))
    assert third.locked_until == T0 + dt.timedelta(seconds=120) and third.retry_after_s == 120
    assert "too many wrong pairing codes" in third.message and "2 min" in third.message
    assert await registry.locked_until() == T0 + dt.timedelta(seconds=120)

    clock.advance(119)
    locked = await _refused(registry, code)  # even the right code, while locked
    assert locked.retry_after_s == 1 and "1 s" in locked.message
    restarted = DeviceRegistry(db, clock=clock.now)  # the lock is in the database, not in the registry
    assert (await _refused(restarted, code)).locked_until == T0 + dt.timedelta(seconds=120)
    clock.advance(1)
    assert await registry.locked_until() is None
    assert (await registry.pair(code)).device_id


async def test_wrong_codes_spread_beyond_the_window_do_not_lock(db: Database, clock: FakeClock) -> None:
    registry = DeviceRegistry(db, clock=clock.now, max_failures=3, window_s=60, lockout_s=120)
    code = (await registry.start_pairing(ttl_s=3600)).code
    for _ in range(2):
        await _refused(registry, _other(code))
    clock.advance(60)  # a new window
    for _ in range(2):
        assert (await _refused(registry, _other(code))).locked_until is None
    assert (await registry.pair(code)).device_id


async def test_at_most_a_few_codes_are_valid_at_once(registry: DeviceRegistry) -> None:
    codes = [(await registry.start_pairing()).code for _ in range(MAX_LIVE_CODES + 1)]
    assert len(set(codes)) == len(codes)
    await _refused(registry, codes[0])  # withdrawn by the newest
    for code in codes[1:]:
        await registry.pair(code)
    assert len(await registry.list()) == MAX_LIVE_CODES


async def test_the_owner_names_the_device_else_the_device_else_its_room(registry: DeviceRegistry) -> None:
    owner = await registry.pair((await registry.start_pairing(name="Kitchen speaker", room="kitchen")).code, "Pixel")
    device = await registry.pair((await registry.start_pairing(room="hall")).code, name="Pixel\n 8\x00")
    room = await registry.pair((await registry.start_pairing(room="  living   room ")).code)
    nothing = await registry.pair((await registry.start_pairing()).code, name=" \t")
    assert [(p.name, p.room) for p in (owner, device, room, nothing)] == [
        ("Kitchen speaker", "kitchen"),
        ("Pixel 8", "hall"),
        ("living room", "living room"),
        ("unnamed", None),
    ]
    long = await registry.pair((await registry.start_pairing(name="x" * 200)).code)
    assert long.name == "x" * 64


async def test_bad_arguments_are_refused(db: Database, registry: DeviceRegistry) -> None:
    for ttl in (0, -1, 86401):
        with pytest.raises(ValueError, match="ttl_s"):
            await registry.start_pairing(ttl_s=ttl)
    naive = DeviceRegistry(db, clock=lambda: dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        await naive.start_pairing()


# -- tokens ----------------------------------------------------------------------------------------


async def test_a_token_authenticates_its_device(registry: DeviceRegistry, clock: FakeClock) -> None:
    paired = await registry.pair((await registry.start_pairing(name="desk", room="office")).code)
    assert len(paired.token) >= 43 and paired.token not in repr(paired)
    assert paired.device_id.startswith("dev-")
    clock.advance(5)
    device = await registry.authenticate(paired.token)
    assert device is not None
    assert (device.device_id, device.name, device.room) == (paired.device_id, "desk", "office")
    assert device.paired_at == T0 and device.last_seen == T0 + dt.timedelta(seconds=5) and not device.revoked
    for unknown in ("", paired.token[:-1], paired.token + "x", "x" * 10_000):
        assert await registry.authenticate(unknown) is None


async def test_last_seen_is_written_at_most_once_a_minute(
    registry: DeviceRegistry, db: Database, clock: FakeClock
) -> None:
    paired = await registry.pair((await registry.start_pairing()).code)
    updates: list[str] = []

    def record(_conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        seen = [await registry.authenticate(paired.token) for _ in range(100)]  # 100 connections at T0
        clock.advance(59)
        late = await registry.authenticate(paired.token)
        clock.advance(1)
        later = await registry.authenticate(paired.token)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert {d.last_seen for d in seen if d is not None} == {T0} and len(seen) == 100
    assert late is not None and late.last_seen == T0
    assert later is not None and later.last_seen == T0 + dt.timedelta(seconds=60)
    assert len(updates) == 2
    assert [d.last_seen for d in await registry.list()] == [T0 + dt.timedelta(seconds=60)]


async def test_a_revoked_token_is_refused_at_once_and_other_devices_carry_on(
    registry: DeviceRegistry, db: Database, clock: FakeClock
) -> None:
    kitchen = await registry.pair((await registry.start_pairing(name="kitchen")).code)
    clock.advance(1)
    hall = await registry.pair((await registry.start_pairing(name="hall")).code)
    assert kitchen.device_id != hall.device_id and kitchen.token != hall.token
    assert await _who(registry, kitchen.token) == kitchen.device_id
    assert await _who(registry, hall.token) == hall.device_id

    clock.advance(30)
    other_process = DeviceRegistry(db, clock=clock.now)  # e.g. `hark device revoke` beside the server
    assert await other_process.revoke(kitchen.device_id) is True
    assert await registry.authenticate(kitchen.token) is None
    assert await _who(registry, hall.token) == hall.device_id
    assert await registry.revoke(kitchen.device_id) is False  # already
    assert await registry.revoke("dev-nothere") is False
    listed = {d.device_id: d for d in await registry.list()}
    assert listed[kitchen.device_id].revoked_at == T0 + dt.timedelta(seconds=31)
    assert listed[hall.device_id].revoked_at is None
    assert [d.name for d in await registry.list()] == ["kitchen", "hall"]  # in pairing order


async def test_tokens_survive_closing_and_reopening_the_database(tmp_path: Path, clock: FakeClock) -> None:
    url = sqlite_url(tmp_path / "hark.db")
    async with Database(url) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        kept = await registry.pair((await registry.start_pairing(name="kept")).code)
        gone = await registry.pair((await registry.start_pairing(name="gone")).code)
        await registry.revoke(gone.device_id)
    async with Database(url) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        device = await registry.authenticate(kept.token)
        assert device is not None and (device.device_id, device.name) == (kept.device_id, "kept")
        assert await registry.authenticate(gone.token) is None


@pytest.mark.sqlite_only("reads the SQLite file")
async def test_only_hashes_are_stored(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "hark.db"
    async with Database(sqlite_url(path)) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        used = await registry.start_pairing(name="desk")
        pending = await registry.start_pairing(name="later")
        paired = await registry.pair(used.code)
    [(token_hash,)] = _rows(path, "SELECT token_hash FROM devices")
    assert token_hash == hashlib.sha256(paired.token.encode()).hexdigest()
    codes = _rows(path, "SELECT salt, code_hash, name FROM pairing_codes ORDER BY id")
    assert [(h, n) for _, h, n in codes] == [
        (hashlib.sha256(f"{salt}:{code.code}".encode()).hexdigest(), code.name)
        for (salt, _, _), code in zip(codes, (used, pending), strict=True)
    ]
    for table in ("devices", "pairing_codes", "pairing_guard"):
        for row in _rows(path, f"SELECT * FROM {table}"):
            assert paired.token not in row and used.code not in row and pending.code not in row
    for file in path.parent.iterdir():  # the database, its WAL: no token anywhere
        assert paired.token.encode() not in file.read_bytes()


# -- the migration ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only("reads the SQLite file")
async def test_a_0002_database_is_upgraded_with_its_rows_and_can_go_back(tmp_path: Path, clock: FakeClock) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hark.store.db import MIGRATIONS

    def migrate(connection: Connection, target: str, down: bool = False) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None and head >= "0003"
    path = tmp_path / "hark.db"
    engine = create_async_engine(sqlite_url(path))
    try:
        async with engine.begin() as connection:  # made by the migrations before this one
            await connection.run_sync(migrate, "0002")
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        conn.execute(
            "INSERT INTO timers (device_id, name, duration_s, created_at, ends_at, state, late)"
            " VALUES ('kitchen', 'pasta', 600, '2025-03-12 09:00:00', '2025-03-12 09:10:00', 'running', 0)"
        )
        conn.execute("INSERT INTO facts (profile, text, created_at) VALUES ('default', 'I like tea', '2025-03-12')")

    async with Database(sqlite_url(path)) as db:  # open() upgrades to head
        registry = DeviceRegistry(db, clock=clock.now)
        paired = await registry.pair((await registry.start_pairing(name="kitchen")).code)
        assert await registry.authenticate(paired.token) is not None
    assert _rows(path, "SELECT version_num FROM alembic_version") == [(head,)]
    assert _rows(path, "SELECT device_id, name, state FROM timers") == [("kitchen", "pasta", "running")]
    assert _rows(path, "SELECT text FROM facts") == [("I like tea",)]
    assert _rows(path, "SELECT household_id, name FROM devices") == [("default", "kitchen")]

    engine = create_async_engine(sqlite_url(path))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0002", True)
    finally:
        await engine.dispose()
    tables = {r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not tables & {"devices", "pairing_codes", "pairing_guard"} and {"timers", "facts"} <= tables
    assert _rows(path, "SELECT name FROM timers") == [("pasta",)]
