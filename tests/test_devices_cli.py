"""``hark device pair | list | revoke``, called as the CLI calls them, on a fresh data folder."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from hark.household.admin_cli import add_device_parser, device_command, run_device
from hark.household.devices import DeviceRegistry, PairingError
from hark.store import Database
from tests.conftest import make_settings
from tests.storefakes import WEDNESDAY_10AM, FakeClock

T0 = WEDNESDAY_10AM.astimezone(dt.UTC)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hark")
    add_device_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    return make_settings(tmp_path / "data")  # brain.timezone = Europe/Paris


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WEDNESDAY_10AM)


async def _run(settings: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = await device_command(_parse("device", *argv), settings, clock=clock.now)
    out, err = capsys.readouterr()
    return rc, out, err


async def _registry_do(settings: Any, clock: FakeClock, what: str, arg: str) -> Any:
    async with Database.from_settings(settings) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        return await getattr(registry, what)(arg)


async def test_pair_prints_a_code_that_pairs_the_named_device(
    settings: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = await _run(settings, clock, capsys, "pair", "--name", "kitchen speaker", "--room", "kitchen")
    assert rc == 0 and err == ""
    match = re.search(r"^pairing code: (\d{3}) (\d{3})$", out, re.M)
    assert match, out
    code = match[1] + match[2]
    assert "valid once, for 10 minutes: until 2025-03-12 10:10:00 CET" in out  # Paris time
    assert "pairs: kitchen speaker in the kitchen" in out
    assert f"hark ask --server URL --pair {code}" in out and "web page" in out
    assert settings.data_dir.joinpath("hark.db").exists()

    paired = await _registry_do(settings, clock, "pair", code)
    assert (paired.name, paired.room) == ("kitchen speaker", "kitchen")
    with pytest.raises(PairingError):
        await _registry_do(settings, clock, "pair", code)  # used


async def test_pair_with_minutes_and_a_warning_while_pairing_is_locked(
    settings: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Database.from_settings(settings) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        for _ in range(5):
            with pytest.raises(PairingError):
                await registry.pair("123456")  # no code was issued: every one is wrong
    rc, out, err = await _run(settings, clock, capsys, "pair", "--minutes", "1")
    assert rc == 0
    assert "valid once, for 1 minute: until 2025-03-12 10:01:00 CET" in out and "pairs:" not in out
    assert err == (
        "hark: warning: too many wrong codes were tried lately; pairing is refused until "
        "2025-03-12 10:05:00 CET, the code works after that\n"
    )


def test_bad_arguments_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ("device",),
        ("device", "pair", "--minutes", "0"),
        ("device", "pair", "--minutes", "x"),
        ("device", "revoke"),
    ):
        with pytest.raises(SystemExit) as exited:
            _parse(*argv)
        assert exited.value.code == 2
    assert "--minutes must be more than 0" in capsys.readouterr().err


async def test_list_shows_id_name_room_paired_last_seen_and_revoked(
    settings: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, _ = await _run(settings, clock, capsys, "list")
    assert rc == 0 and out == "no devices paired yet; pair one with: hark device pair --name NAME --room ROOM\n"

    async with Database.from_settings(settings) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        desk = await registry.pair((await registry.start_pairing(name="desk", room="office")).code)
        clock.advance(60)
        phone = await registry.pair((await registry.start_pairing()).code, name="Ana's phone")
        clock.advance(3600)
        await registry.authenticate(desk.token)
        await registry.revoke(phone.device_id)

    rc, out, _ = await _run(settings, clock, capsys, "list")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ROOM", "PAIRED", "LAST", "SEEN", "REVOKED"]
    assert re.fullmatch(
        rf"{desk.device_id}\s+desk\s+office\s+2025-03-12 10:00 CET\s+2025-03-12 11:01 CET\s+-", lines[1]
    ), lines[1]
    assert re.fullmatch(
        rf"{phone.device_id}\s+Ana's phone\s+-\s+2025-03-12 10:01 CET\s+never\s+2025-03-12 11:01 CET", lines[2]
    ), lines[2]
    assert len(lines) == 3
    assert lines[1].index("desk") == lines[2].index("Ana's phone")  # columns line up

    rc, out, _ = await _run(settings, clock, capsys, "list", "--json")
    assert rc == 0
    assert json.loads(out) == [
        {
            "device_id": desk.device_id,
            "name": "desk",
            "room": "office",
            "paired_at": "2025-03-12T09:00:00+00:00",
            "last_seen": "2025-03-12T10:01:00+00:00",
            "revoked_at": None,
            "household_id": "default",
            "default_member_id": None,
            "kids_mode": False,
        },
        {
            "device_id": phone.device_id,
            "name": "Ana's phone",
            "room": None,
            "paired_at": "2025-03-12T09:01:00+00:00",
            "last_seen": None,
            "revoked_at": "2025-03-12T10:01:00+00:00",
            "household_id": "default",
            "default_member_id": None,
            "kids_mode": False,
        },
    ]


async def test_revoke_refuses_the_token_and_says_what_it_did(
    settings: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Database.from_settings(settings) as db:
        registry = DeviceRegistry(db, clock=clock.now)
        kept = await registry.pair((await registry.start_pairing(name="kept")).code)
        gone = await registry.pair((await registry.start_pairing(name="gone")).code)

    rc, out, err = await _run(settings, clock, capsys, "revoke", gone.device_id)
    assert (rc, err) == (0, "")
    assert out == f"revoked {gone.device_id} (gone): its token is refused from now on\n"
    assert await _registry_do(settings, clock, "authenticate", gone.token) is None
    assert (await _registry_do(settings, clock, "authenticate", kept.token)).device_id == kept.device_id

    rc, out, _ = await _run(settings, clock, capsys, "revoke", gone.device_id)
    assert (rc, out) == (0, f"{gone.device_id} (gone) was already revoked\n")
    rc, out, err = await _run(settings, clock, capsys, "revoke", "dev-nothere")
    assert (rc, out) == (1, "")
    assert err == "hark device revoke: no device 'dev-nothere' (see: hark device list)\n"


async def test_run_device_opens_and_closes_the_database_itself(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # run_device is what `hark device ...` calls: it runs its own event loop, so here it runs in a thread
    assert await asyncio.to_thread(run_device, _parse("device", "pair", "--name", "hall"), settings) == 0
    code = re.search(r"^pairing code: (\d{3}) (\d{3})$", capsys.readouterr().out, re.M)
    assert code
    assert await asyncio.to_thread(run_device, _parse("device", "list", "--json"), settings) == 0
    assert json.loads(capsys.readouterr().out) == []
    async with Database.from_settings(settings) as db:
        paired = await DeviceRegistry(db).pair(code[1] + code[2])
    assert await asyncio.to_thread(run_device, _parse("device", "list", "--json"), settings) == 0
    assert [d["device_id"] for d in json.loads(capsys.readouterr().out)] == [paired.device_id]
