"""Households and members: the repository, the CLI, and who a turn runs as."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hark.brain.base import BrainRequest, TextDelta
from hark.brain.conversation import Conversation
from hark.brain.person import Person
from hark.cli import build_parser
from hark.config import Settings
from hark.household import Household
from hark.household.people import NO_LIMIT, Controls, People, PeopleError
from hark.household.people_cli import people_command
from hark.household.plans import set_plan


@pytest.fixture
async def home(settings: Settings, tmp_path: Path, no_leaked_tasks: None) -> AsyncIterator[Household]:
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(llm={"backend": "off"})
    household = await Household.open(s)
    try:
        yield household
    finally:
        await household.close()


async def test_members_of_a_household_and_their_rules(home: Household) -> None:
    people = home.people
    ana = await people.add_member("default", "Ana", admin=True)
    leo = await people.add_member(
        "default", "Leo", kind="child", age=7, controls=Controls(smart_home_allowed=["Light", " "])
    )
    assert (ana.kind, ana.admin, ana.memory_allowed) == ("adult", True, True)
    assert (leo.kind, leo.age, leo.memory_allowed, leo.smart_home_allowed) == ("child", 7, False, frozenset({"light"}))
    with pytest.raises(PeopleError, match="already a member"):
        await people.add_member("default", "ana")
    with pytest.raises(PeopleError, match="cannot be an admin"):
        await people.add_member("default", "Kid", kind="child", admin=True)
    with pytest.raises(PeopleError, match="no household"):
        await people.add_member("nowhere", "Zed")
    assert [m.name for m in await people.members("default")] == ["Ana", "Leo"]
    assert (await people.member("default", "LEO")) == leo  # by name, any case
    other, _ = await people.add_household("Next Door")
    assert await people.member(other.id, leo.id) is None  # another household's id is not found
    assert await people.members(other.id) == []
    with pytest.raises(PeopleError, match="unknown smart-home permission"):
        await people.update_member("default", "Leo", Controls(smart_home_allowed=["nukes"]))
    with pytest.raises(PeopleError, match="quiet hours"):
        await people.update_member("default", "Leo", Controls(quiet_hours="bedtime"))
    updated = await people.update_member(
        "default",
        "Leo",
        Controls(memory_allowed=True, smart_home_allowed=[], quiet_hours="20:30-07:00", chat_minutes_day=20),
    )
    assert (updated.quiet_hours, updated.chat_minutes_day, updated.explicit_filter) == ("20:30-07:00", 20, True)
    assert (await people.update_member("default", "Leo", Controls(chat_minutes_day=NO_LIMIT))).chat_minutes_day is None
    assert updated.memory_allowed and updated.smart_home_allowed == frozenset()
    assert await people.remove_member("default", "Leo")
    assert not await people.remove_member("default", "Leo")


async def test_a_turn_runs_as_the_voice_then_the_devices_member_then_the_household(home: Household) -> None:
    people = home.people
    registry = home.paired_devices
    paired = await registry.pair((await registry.start_pairing(name="kids room")).code)
    ana = await people.add_member("default", "Ana")
    leo = await people.add_member(
        "default", "Leo", kind="child", age=6, controls=Controls(smart_home_allowed=["light"])
    )
    await set_plan(home.db, "default", "classic", tokens_month=1000)

    nobody = await people.resolve("default", paired.device_id)
    assert (nobody.member_id, nobody.kids_mode, nobody.profile) == (None, False, "default")

    await people.set_device("default", paired.device_id, member="Leo")
    by_device = await people.resolve("default", paired.device_id)
    assert (by_device.member_id, by_device.child, by_device.kids_mode, by_device.identified_by) == (
        leo.id,
        True,
        True,
        "device",
    )
    assert by_device.smart_home_allowed == frozenset({"light"}) and not by_device.memory_allowed

    by_voice = await people.resolve("default", paired.device_id, voice_member=ana.id)
    assert (by_voice.member_id, by_voice.kids_mode, by_voice.identified_by) == (ana.id, False, "voice")

    await people.set_device("default", paired.device_id, kids_mode=True)  # an adult on a kids-mode device
    on_kids_device = await people.resolve("default", paired.device_id, voice_member=ana.id)
    assert on_kids_device.kids_mode and not on_kids_device.child

    other, _ = await people.add_household("Next Door")
    stranger = await people.add_member(other.id, "Zoe")
    guessed = await people.resolve("default", paired.device_id, voice_member=stranger.id)
    assert guessed.member_id == leo.id and guessed.identified_by == "device"  # never the other household's member
    with pytest.raises(PeopleError):
        await people.set_device(other.id, paired.device_id, kids_mode=True)  # not its device


async def test_the_household_cli(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dataclasses.replace(settings, data_dir=tmp_path)  # the CLI opens its own database

    async def run(*argv: str) -> tuple[int, str]:
        code = await people_command(build_parser().parse_args(list(argv)), settings)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    code, out = await run("household", "add", "The Smiths", "--plan", "classic", "--timezone", "Europe/Lisbon")
    assert code == 0 and "admin token" in out
    smiths = out.split()[1]
    code, out = await run("household", "plan", smiths, "plus", "--tokens", "50000")
    assert code == 0 and "plan plus; 50,000 tokens" in out, out
    code, out = await run(
        "member", "--household", smiths, "add", "Leo", "--child", "--age", "8", "--smart-home", "light"
    )
    assert code == 0 and "Leo (child, 8)" in out
    code, out = await run("member", "--household", smiths, "list")
    assert "Leo" in out and "off" in out and "light" in out
    code, out = await run("member", "--household", "default", "list")
    assert "Leo" not in out
    code, out = await run("household", "add", "X", "--timezone", "Mars/Olympus")
    assert code == 1 and "unknown time zone" in out
    code, out = await run("member", "--household", smiths, "remove", "Nobody")
    assert code == 1

    # the household's own Home Assistant: the token read from standard input, never printed
    monkeypatch.setattr("sys.stdin", io.StringIO("smiths-secret\n"))
    code, out = await run(
        "household", "set", smiths, "--home-assistant", "http://ha.smiths:8123", "--home-assistant-token", "-"
    )
    assert code == 0 and "Home Assistant http://ha.smiths:8123" in out and "smiths-secret" not in out
    code, out = await run("household", "list", "--json")
    assert "ha.smiths" in out and "smiths-secret" not in out
    code, out = await run("household", "set", smiths, "--home-assistant", "")
    assert code == 0 and "Home Assistant -" in out


async def test_the_time_is_told_in_the_households_own_zone(home: Household) -> None:
    noon_utc = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    who = Person(household_id="default", timezone="Pacific/Auckland")
    request = BrainRequest("what time is it", Conversation(), who=who, now=lambda: noon_utc.astimezone(dt.UTC))
    said = "".join([p.text async for p in home.brain().respond(request) if isinstance(p, TextDelta)])
    assert said == "It's 1 AM."  # 12:00 UTC is 01:00 the next day in Auckland (NZDT)


async def test_a_0003_database_with_a_paired_device_is_upgraded_with_its_data_and_can_go_back(tmp_path: Path) -> None:
    import sqlite3

    from alembic import command
    from alembic.config import Config
    from sqlalchemy.engine import Connection

    from hark.household.devices import DeviceRegistry
    from hark.store import Database
    from hark.store.db import MIGRATIONS
    from tests.storefakes import sqlite_url

    def migrate(connection: Connection, target: str, down: bool = False) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)

    path = tmp_path / "hark.db"
    async with Database(sqlite_url(path)) as db, db.engine.begin() as connection:
        await connection.run_sync(migrate, "0003", True)
    with sqlite3.connect(path) as conn:  # what a 0003 install holds: a paired device, a list
        conn.execute(
            "INSERT INTO devices (id, household_id, name, token_hash, paired_at) "
            "VALUES ('dev-1', 'default', 'kitchen', 'abc', '2026-12-01 10:00:00+00:00')"
        )
        conn.execute(
            "INSERT INTO pairing_codes (household_id, code_hash, salt, created_at, expires_at, device_id) "
            "VALUES ('default', 'h', 's', '2026-12-01 10:00:00+00:00', '2026-12-01 10:10:00+00:00', 'dev-1')"
        )
        conn.execute(
            "INSERT INTO list_items (list_name, item, done, created_at) VALUES ('shopping', 'milk', 0, '2026-12-01')"
        )
    async with Database(sqlite_url(path)) as db:  # open() upgrades to head
        device = await DeviceRegistry(db).get("dev-1")
        assert device is not None and (device.household_id, device.kids_mode, device.default_member_id) == (
            "default",
            False,
            None,
        )
        people = People(db)
        assert [h.id for h in await people.households()] == ["default"]
        await people.set_device("default", "dev-1", kids_mode=True)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT household_id, item FROM list_items").fetchall() == [("default", "milk")]
    async with Database(sqlite_url(path)) as db, db.engine.begin() as connection:
        await connection.run_sync(migrate, "0003", True)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT list_name, item FROM list_items").fetchall() == [("shopping", "milk")]
        assert conn.execute("SELECT id FROM devices").fetchall() == [("dev-1",)]


async def test_transcripts_past_the_households_retention_are_deleted(home: Household) -> None:
    from hark.household.journal import purge_expired, transcripts

    people, db = home.people, home.db
    other, _ = await people.add_household("Next Door")
    await people.set_settings("default", retention_days=7)
    await people.set_settings(other.id, retention_days=NO_LIMIT)  # kept for ever
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    for household in ("default", other.id):
        for days_ago in (1, 6, 8, 40):
            await db.log_turn(
                household_id=household,
                device_id="d",
                transcript=f"{days_ago} days ago",
                reply="ok",
                brain="classic",
                t=now - dt.timedelta(days=days_ago),
            )
    assert await purge_expired(db, now) == 2
    kept = [t.transcript for t in await transcripts(db, "default")]
    assert kept == ["1 days ago", "6 days ago"]
    assert len(await transcripts(db, other.id)) == 4
    with pytest.raises(PeopleError):
        await people.set_settings("default", retention_days=0)
