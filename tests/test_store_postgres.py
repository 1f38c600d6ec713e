"""PostgreSQL itself: the migrations both ways, time zones, concurrent writers, and its failures
as StorageError with a cause a person can act on. (Every other storage test runs on PostgreSQL
too, through the ``store_backend`` parameter; these are the ones only PostgreSQL has.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from hark.household.devices import DeviceRegistry, PairingError
from hark.store import Database, StorageError, StorageFullError, Timer
from hark.store.db import MIGRATIONS, check_database
from tests.postgres import PostgresServer
from tests.storefakes import WEDNESDAY_10AM, FakeClock, schema_head


@pytest.fixture
async def empty_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A database with no tables yet."""
    name = await postgres_server.create_database()
    yield postgres_server.url(name)
    await postgres_server.drop_database(name)


@pytest.fixture
async def url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A database at the newest schema."""
    name = postgres_server.take_database()
    yield postgres_server.url(name)
    await postgres_server.drop_database(name)


def _migrate(connection: Connection, target: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, target)


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: c.dialect.get_table_names(c)))


async def _version(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()


async def test_the_migrations_go_to_head_down_to_nothing_and_up_again(empty_url: str) -> None:
    assert (await check_database(empty_url)).endswith("(empty: migrated at the first start)")
    async with Database(empty_url) as db:
        assert await _version(db) == schema_head()
        assert {"timers", "alarms", "reminders", "list_items", "turn_log", "facts", "devices"} <= await _tables(db)
        async with db.engine.begin() as connection:
            await connection.run_sync(_migrate, "base", True)
        assert await _tables(db) == {"alembic_version"}  # every table, index and constraint went
        async with db.engine.begin() as connection:
            await connection.run_sync(_migrate, "head")
        assert await _version(db) == schema_head()
    assert (await check_database(empty_url)).endswith(f"(schema {schema_head()})")


async def test_rows_of_the_first_schema_survive_every_migration(empty_url: str) -> None:
    async with Database(empty_url) as db:
        async with db.engine.begin() as connection:
            await connection.run_sync(_migrate, "0001", True)
            await connection.execute(
                text(
                    "INSERT INTO timers (device_id, name, duration_s, created_at, ends_at, state, late)"
                    " VALUES ('kitchen', 'pasta', 600, '2025-03-12 09:00:00+00', '2025-03-12 09:10:00+00',"
                    " 'running', false)"
                )
            )
            await connection.run_sync(_migrate, "head")
        async with db.transaction() as session:
            timer = (await session.scalars(select(Timer))).one()
        assert (timer.device_id, timer.name, timer.state, timer.late) == ("kitchen", "pasta", "running", False)
        assert timer.ends_at == dt.datetime(2025, 3, 12, 9, 10, tzinfo=dt.UTC)
        assert timer.household_id == "default"


async def test_instants_are_kept_whatever_the_server_time_zone(url: str, postgres_server: PostgresServer) -> None:
    name = make_url(url).database
    await postgres_server._execute(f"ALTER DATABASE \"{name}\" SET timezone = 'Pacific/Kiritimati'")  # UTC+14
    ends = WEDNESDAY_10AM + dt.timedelta(minutes=10)
    async with Database(url) as db:
        async with db.transaction() as session:
            session.add(Timer(device_id="kitchen", name="tea", duration_s=600, created_at=WEDNESDAY_10AM, ends_at=ends))
        async with db.transaction() as session:
            timer = (await session.scalars(select(Timer).where(Timer.ends_at > WEDNESDAY_10AM))).one()
    assert timer.ends_at == ends and timer.ends_at.tzinfo == dt.UTC


async def test_two_first_pairings_racing_for_one_code_pair_one_device(url: str) -> None:
    """SQLite serialises transactions; PostgreSQL runs these two at once (read committed):
    the household's pairing guard row, made by the first pairing, must not be made twice."""
    clock = FakeClock(WEDNESDAY_10AM)
    async with Database(url) as db:
        registry, elsewhere = DeviceRegistry(db, clock=clock.now), DeviceRegistry(db, clock=clock.now)
        code = (await registry.start_pairing(name="hall")).code
        results = await asyncio.gather(registry.pair(code), elsewhere.pair(code), return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["PairedDevice", "PairingError"]
        assert len(await registry.list()) == 1
        with pytest.raises(PairingError):
            await registry.pair(code)


async def test_a_lost_connection_is_replaced_not_a_failed_turn(url: str, postgres_server: PostgresServer) -> None:
    name = make_url(url).database
    async with Database(url) as db:
        await db.log_turn(device_id="kitchen", transcript="hi", reply="Hello.", brain="classic")
        # the server restarted, or a network blip: every connection in the pool is gone
        await postgres_server._execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        assert await db.log_turn(device_id="kitchen", transcript="again", reply="Hello.", brain="classic") == 2


async def test_a_database_gone_while_running_is_a_storage_error(postgres_server: PostgresServer) -> None:
    name = postgres_server.take_database()
    async with Database(postgres_server.url(name)) as db:
        await postgres_server.drop_database(name)
        with pytest.raises(StorageError) as caught:
            await db.log_turn(device_id="kitchen", transcript="hi", reply="Hello.", brain="classic")
    assert f'database "{name}" does not exist (create it on the server first)' in caught.value.message


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("where", "cause"),
    [
        ("socket", "no database server at the socket in {dir} (is it running?)"),
        ("port", "nothing is listening at 127.0.0.1:{port} (is the database server running?)"),
        ("database", 'database "nosuch" does not exist (create it on the server first)'),
        ("user", 'role "nobody_here" does not exist (the database server refused the connection for this user)'),
    ],
)
async def test_an_unreachable_server_is_a_clear_storage_error(
    postgres_server: PostgresServer, tmp_path: Any, where: str, cause: str
) -> None:
    port = _free_port()
    url = {
        "socket": f"postgresql+asyncpg://hark@/hark?host={tmp_path}",
        "port": f"postgresql+asyncpg://hark:s3cret@127.0.0.1:{port}/hark",
        "database": postgres_server.url("nosuch"),
        "user": postgres_server.url().replace("hark@", "nobody_here@"),
    }[where]
    with pytest.raises(StorageError) as caught:
        await Database(url).open()
    expected = cause.format(dir=tmp_path, port=port)
    assert caught.value.message.startswith("could not open the database postgresql+asyncpg://")
    assert caught.value.message.endswith(f": {expected}"), caught.value.message
    assert "s3cret" not in caught.value.message
    with pytest.raises(StorageError) as checked:  # `hark config check` says the same
        await check_database(url, timeout_s=5)
    assert checked.value.message.endswith(f": {expected}")


async def test_a_server_that_does_not_answer_times_out(postgres_server: PostgresServer) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        db = Database(f"postgresql+asyncpg://hark@127.0.0.1:{port}/hark", connect_timeout_s=0.3)
        with pytest.raises(StorageError) as caught:
            await db.open()
    assert caught.value.message.endswith(f"the database server at 127.0.0.1:{port} did not answer within 0.3 s")


async def test_a_value_longer_than_its_column_is_refused_and_rolled_back(url: str) -> None:
    """SQLite keeps a 65-character device id in a String(64); PostgreSQL refuses it."""
    async with Database(url) as db:
        with pytest.raises(StorageError) as caught:
            await db.log_turn(device_id="k" * 65, transcript="hi", reply="Hello.", brain="classic")
        assert "(a value is longer than its column allows)" in caught.value.message
        assert await db.log_turn(device_id="kitchen", transcript="hi", reply="Hello.", brain="classic") >= 1


@pytest.mark.parametrize(
    ("error", "full", "cause"),
    [
        (asyncpg.exceptions.DiskFullError("could not extend file"), True, "the disk is full"),
        (
            asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
            False,
            "sorry, too many clients already (the database server has too many connections)",
        ),
        (
            asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
            False,
            "terminating connection due to administrator command (the database server is shutting down)",
        ),
        (
            asyncpg.exceptions.InvalidPasswordError('password authentication failed for user "hark"'),
            False,
            'password authentication failed for user "hark" (the database server refused the user name or password)',
        ),
        (
            asyncpg.exceptions.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
            False,
            "cannot execute INSERT in a read-only transaction (the database is read-only)",
        ),
    ],
)
def test_server_failures_are_named(error: Exception, full: bool, cause: str) -> None:
    db = Database("postgresql+asyncpg://hark:s3cret@db.example/hark")
    wrapped = DBAPIError("INSERT ...", None, error)  # as SQLAlchemy hands them over
    for exc in (error, wrapped):
        storage_error = db._error(exc, "write")
        assert isinstance(storage_error, StorageFullError) is full
        assert (
            str(storage_error)
            == f"could not read or write the database postgresql+asyncpg://hark:***@db.example/hark: {cause}"
        )
