"""A full disk: requests that need no storage are still answered, writes the user asked for say
plainly that the disk is full (``storage-full``), nothing stored before is lost, and a storage
error reaches the user once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

import hark.store.db as db_module
from hark.config import Settings
from hark.engines.registry import Engines
from hark.events import ErrorEvent
from hark.household import Household
from hark.session import DeviceSession, TurnResult
from hark.skills.media import LocalDevice
from hark.store import Database, ListItem, StorageFullError
from tests.conftest import SRC
from tests.test_cli import hark, hark_env

FULL = "I couldn't save that: the disk is full."


async def fill_to_the_cap(db: Database) -> None:
    """Cap the database at the pages it has now (SQLite then raises SQLITE_FULL, "database or
    disk is full", like a full disk), and use up the room left in them."""
    async with db.engine.connect() as connection:
        pages = (await connection.execute(text("PRAGMA page_count"))).scalar()

    @event.listens_for(db.engine.sync_engine, "connect")
    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    await db.engine.dispose()  # every connection from now on is capped
    now, n = dt.datetime.now(dt.UTC), 0
    for size in (1000, 100, 10, 1):
        with pytest.raises(StorageFullError):  # noqa: PT012
            while True:
                async with db.transaction() as session:
                    session.add(ListItem(list_name="attic", item=f"{n:06d}" + "x" * size, created_at=now))
                n += 1
        with pytest.raises(StorageFullError):  # noqa: PT012
            while True:
                await db.log_turn(device_id="filler", transcript="x" * size, reply="", brain="")


def _items(path: Path, list_name: str = "shopping") -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT item FROM list_items WHERE list_name = ?", (list_name,))}


def _errors(result: TurnResult) -> list[str]:
    return [e.code for e in result.trace.events if isinstance(e, ErrorEvent)]


def _reply(result: TurnResult) -> str:
    assert result.reply is not None
    return result.reply.text


@pytest.fixture
async def home(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[Household, DeviceSession]]:
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(llm={"backend": "off"})
    household = await Household.open(s)
    household.add_device(LocalDevice("local"))
    assistant = DeviceSession(s, Engines(), household.brain(), device_id="local", journal=household.log_turn)
    try:
        yield household, assistant
    finally:
        await household.close()


async def test_a_full_disk_still_answers_says_so_for_writes_and_loses_nothing(
    home: tuple[Household, DeviceSession], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    household, assistant = home
    for item in ("eggs", "bread"):
        assert _reply(await assistant.ask_text(f"add {item} to the shopping list", None)).startswith("Added")
    await fill_to_the_cap(household.db)
    caplog.set_level(logging.WARNING, logger="hark")

    answer = await assistant.ask_text("what time is it", None)  # the turn log cannot be written
    assert answer.ok and _reply(answer).startswith("It's ") and _errors(answer) == []  # the turn log is not the request

    refused = await assistant.ask_text("add milk to the shopping list", None)
    assert _reply(refused) == FULL and not refused.ok
    errors = [e for e in refused.trace.events if isinstance(e, ErrorEvent)]
    assert [e.code for e in errors] == ["storage-full"] and "the disk is full" in errors[0].message

    assert _reply(await assistant.ask_text("what time is it", None)).startswith("It's ")
    journal = [r for r in caplog.records if "turn log" in r.getMessage()]
    assert len(journal) == 1 and "the disk is full" in journal[0].getMessage()  # said once, not every turn

    assert _items(tmp_path / "hark.db") == {"eggs", "bread"}  # nothing stored before is lost


@pytest.fixture
def disk_full_at_start(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """While ``state["full"]``, every new database connection has room for one page: a fresh
    database cannot even be created, as on a disk that is full when Hark starts."""
    state = {"full": True}
    create = db_module.create_async_engine

    def capped(url: str, **kwargs: Any) -> Any:
        engine = create(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def cap(dbapi_connection: Any, _record: Any) -> None:
            if state["full"]:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA max_page_count = 1")
                cursor.close()

        return engine

    monkeypatch.setattr(db_module, "create_async_engine", capped)
    return state


async def test_a_disk_full_at_start_serves_without_storage_and_recovers_when_there_is_room(
    settings: Settings, tmp_path: Path, disk_full_at_start: dict[str, bool], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hark")
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(llm={"backend": "off"})
    household = await Household.open(s)  # does not fail
    try:
        household.add_device(LocalDevice("local"))
        assistant = DeviceSession(s, Engines(), household.brain(), device_id="local", journal=household.log_turn)
        assert any("answering without storage" in r.getMessage() for r in caplog.records)
        assert _reply(await assistant.ask_text("what time is it", None)).startswith("It's ")
        assert _reply(await assistant.ask_text("add milk to the shopping list", None)) == FULL
        assert _reply(await assistant.ask_text("set a tea timer for 10 minutes", None)) == FULL
        assert household.scheduler.pending() == {}

        disk_full_at_start["full"] = False  # room again: the next request opens the database
        assert _reply(await assistant.ask_text("add milk to the shopping list", None)).startswith("Added milk")
        assert _reply(await assistant.ask_text("set a tea timer for 10 minutes", None)).startswith("Tea timer set")
        assert list(household.scheduler.pending()) == ["timer:1"]  # the scheduler started with the database
    finally:
        await household.close()
    assert _items(tmp_path / "hark.db") == {"milk"}


@pytest.mark.parametrize(
    ("make", "free", "full"),
    [
        (lambda: OSError(errno.ENOSPC, "No space left on device"), 10**12, True),
        (lambda: sqlite3.OperationalError("database or disk is full"), 10**12, True),
        (lambda: sqlite3.OperationalError("disk I/O error"), 4096, True),  # WAL cannot grow: a full disk
        (lambda: sqlite3.OperationalError("disk I/O error"), 10**12, False),  # room left: some other I/O error
        (lambda: sqlite3.OperationalError("database is locked"), 4096, False),
    ],
)
def test_what_counts_as_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any, free: int, full: bool
) -> None:
    usage = shutil._ntuple_diskusage(10**12, 10**12 - free, free)  # type: ignore[attr-defined]
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage)
    error = Database(f"sqlite+aiosqlite:///{tmp_path / 'hark.db'}")._error(make(), "write")
    assert isinstance(error, StorageFullError) is full
    if full:
        assert error.code == "storage-full" and error.message == FULL
        assert str(error).endswith("the disk is full") and "hark.db" in str(error)
    else:
        assert error.code == "storage-failed" and "disk is full" not in str(error)


def test_a_storage_error_is_printed_once(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "hark.db").write_bytes(b"this is not sqlite" * 100)
    p = hark("ask", "what time is it", "--no-tts", data_dir=tmp_path, HARK_LLM__BACKEND="off")
    assert p.returncode == 2
    assert p.stderr.splitlines() == [
        f"hark: error [storage-failed]: could not open the database sqlite+aiosqlite:///{tmp_path / 'hark.db'}: "
        "the file is not a Hark database"
    ]


FULL_DISK_HARK = """
import sys
from sqlalchemy import event
import hark.store.db as db

create = db.create_async_engine

def capped(url, **kwargs):
    engine = create(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def cap(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA max_page_count = 1")

    return engine

db.create_async_engine = capped
from hark.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _hark_on_a_full_disk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = hark_env(data_dir, HARK_LLM__BACKEND="off", PYTHONPATH=f"{SRC}:{SRC.parent}")
    return subprocess.run(
        [sys.executable, "-c", FULL_DISK_HARK, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_hark_ask_on_a_full_disk(tmp_path: Path) -> None:
    p = _hark_on_a_full_disk(tmp_path, "ask", "what time is it", "--json", "--no-tts")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["reply"].startswith("It's ") and out["errors"] == []
    lines = p.stderr.splitlines()
    assert len(lines) == len(set(lines)) == 2 and "Traceback" not in p.stderr
    assert lines[0].startswith("hark: warning: could not open the database") and "answering without storage" in lines[0]
    assert lines[1].startswith("hark: warning: the turn log is not being written") and "the disk is full" in lines[1]

    p = _hark_on_a_full_disk(tmp_path, "ask", "add milk to the shopping list", "--json", "--no-tts")
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["reply"] == FULL
    assert [e["code"] for e in out["errors"]] == ["storage-full"]
    assert out["events"][-1] == {**out["events"][-1], "type": "run-end", "ok": False}
    assert "storage-full" not in p.stderr and "Traceback" not in p.stderr  # in the JSON, printed once
