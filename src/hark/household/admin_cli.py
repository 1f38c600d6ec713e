"""``hark device pair | list | revoke``: the owner's side of a household's devices.

Each command opens the database from the settings, does one thing and closes it, so it
works while the server runs (SQLite in WAL mode; a revocation counts for the server's
next connection at once). Times are shown in ``brain.timezone`` (else the machine's zone);
``list --json`` gives them in UTC, ISO 8601.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..config import Settings
from ..esphome.cli import COMMANDS as ESPHOME_COMMANDS
from ..esphome.cli import add_esphome_parser, esphome_device_command
from ..esphome.store import EsphomeDevices
from ..store import Database
from ..store.models import DEFAULT_HOUSEHOLD
from .devices import Device, DeviceRegistry
from .people import People, PeopleError

__all__ = ["add_device_parser", "device_command", "device_json", "local_time", "print_table", "run_device"]

Clock = Callable[[], dt.datetime]


def add_device_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``device`` (with ``pair``, ``list``, ``revoke``) to ``hark``'s subcommands."""
    device = subparsers.add_parser("device", help="pair, list, set and revoke the devices of a household")
    device.add_argument("--household", default=DEFAULT_HOUSEHOLD, help="whose devices (default: default)")
    sub = device.add_subparsers(dest="device_command", required=True)
    pair = sub.add_parser("pair", help="show a one-time code that pairs a new device")
    pair.add_argument("--name", help="the device's name (e.g. 'kitchen speaker'); else the device proposes one")
    pair.add_argument("--room", help="the room it is in (e.g. kitchen)")
    pair.add_argument(
        "--minutes", type=_minutes, default=10.0, help="how long the code stays valid (default 10, at most 1440)"
    )
    listing = sub.add_parser("list", help="the paired devices: id, name, room, paired, last seen, revoked")
    listing.add_argument("--json", action="store_true", help="one JSON array, times in UTC")
    revoke = sub.add_parser("revoke", help="refuse a device's token from now on")
    revoke.add_argument("device_id", metavar="DEVICE_ID", help="as shown by: hark device list")
    settings = sub.add_parser("set", help="a device's room, default member and kids-mode switch")
    settings.add_argument("device_id", metavar="DEVICE_ID", help="as shown by: hark device list")
    settings.add_argument("--room", help="the room it is in ('' for none)")
    settings.add_argument("--member", help="whose turns it runs when the voice is not recognised ('' for nobody)")
    settings.add_argument("--kids", choices=["on", "off"], help="kids mode for every turn on this device")
    add_esphome_parser(sub)


def run_device(args: argparse.Namespace, settings: Settings) -> int:
    """``hark device ...``: opens the database, does it, closes. Exit code 0 done, 1 refused
    (no such device). Storage failures are raised as :class:`~hark.store.StorageError`."""
    return asyncio.run(device_command(args, settings))


async def device_command(args: argparse.Namespace, settings: Settings, *, clock: Clock | None = None) -> int:
    """The body of :func:`run_device`, for callers that already run an event loop."""
    if args.device_command in ESPHOME_COMMANDS:
        return await esphome_device_command(args, settings)
    zone = ZoneInfo(settings.brain.timezone) if settings.brain.timezone else None
    db = Database.from_settings(settings)
    await db.open()
    try:
        household = getattr(args, "household", DEFAULT_HOUSEHOLD)
        if await People(db).household(household) is None:
            print(f"hark device: no household {household!r} (see: hark household list)", file=sys.stderr)
            return 1
        registry = DeviceRegistry(db, clock=clock, household_id=household)
        if args.device_command == "set":
            return await _set(People(db), household, args)
        if args.device_command == "pair":
            return await _pair(registry, args, zone)
        if args.device_command == "list":
            return await _list(registry, args, zone)
        if args.device_command == "revoke":
            return await _revoke(registry, args.device_id)
        raise ValueError(f"unknown device command {args.device_command!r}")
    finally:
        await db.close()


async def _pair(registry: DeviceRegistry, args: argparse.Namespace, zone: ZoneInfo | None) -> int:
    code = await registry.start_pairing(name=args.name, room=args.room, ttl_s=args.minutes * 60)
    minutes = args.minutes
    print(f"pairing code: {code.code[:3]} {code.code[3:]}")
    print(
        f"valid once, for {minutes:g} minute{'s' if minutes != 1 else ''}: "
        f"until {local_time(code.expires_at, zone, seconds=True)}"
    )
    if code.name or code.room:
        print(f"pairs: {code.name or 'a device'}{f' in the {code.room}' if code.room else ''}")
    print("on the device: enter the code on Hark's web page (the server's address in a browser),")
    print(f"           or run: hark ask --server URL --pair {code.code}")
    locked = await registry.locked_until()
    if locked is not None:
        print(
            f"hark: warning: too many wrong codes were tried lately; pairing is refused until "
            f"{local_time(locked, zone, seconds=True)}, the code works after that",
            file=sys.stderr,
        )
    return 0


async def _list(registry: DeviceRegistry, args: argparse.Namespace, zone: ZoneInfo | None) -> int:
    devices = await registry.list()
    if args.json:
        print(json.dumps([device_json(d) for d in devices], ensure_ascii=False))
        return 0
    esphome = await EsphomeDevices(registry.db, household_id=registry.household_id).list()
    if esphome:  # the devices Hark connects to (not paired: they have no token)
        print_table(
            ("ESPHOME ID", "NAME", "ROOM", "ADDRESS"),
            [(d.device_id, d.name, d.room or "-", d.address) for d in esphome],
        )
        print()
    if not devices:
        print("no devices paired yet; pair one with: hark device pair --name NAME --room ROOM")
        return 0
    header = ("ID", "NAME", "ROOM", "PAIRED", "LAST SEEN", "REVOKED")
    rows = [
        (
            d.device_id,
            d.name,
            d.room or "-",
            local_time(d.paired_at, zone),
            local_time(d.last_seen, zone) if d.last_seen else "never",
            local_time(d.revoked_at, zone) if d.revoked_at else "-",
        )
        for d in devices
    ]
    print_table(header, rows)
    return 0


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


async def _revoke(registry: DeviceRegistry, device_id: str) -> int:
    device = await registry.get(device_id)
    if device is None:
        print(f"hark device revoke: no device {device_id!r} (see: hark device list)", file=sys.stderr)
        return 1
    if not await registry.revoke(device_id):
        print(f"{device_id} ({device.name}) was already revoked")
        return 0
    print(f"revoked {device_id} ({device.name}): its token is refused from now on")
    return 0


async def _set(people: People, household: str, args: argparse.Namespace) -> int:
    kids = None if args.kids is None else args.kids == "on"
    if args.room is None and args.member is None and kids is None:
        print("hark device set: nothing to set (--room, --member, --kids)", file=sys.stderr)
        return 1
    try:
        await people.set_device(household, args.device_id, member=args.member, kids_mode=kids, room=args.room)
    except PeopleError as exc:
        print(f"hark device set: {exc.message}", file=sys.stderr)
        return 1
    print(f"{args.device_id}: set")
    return 0


def device_json(device: Device) -> dict[str, Any]:
    def iso(t: dt.datetime | None) -> str | None:
        return t.astimezone(dt.UTC).isoformat() if t is not None else None

    return {
        "device_id": device.device_id,
        "name": device.name,
        "room": device.room,
        "paired_at": iso(device.paired_at),
        "last_seen": iso(device.last_seen),
        "revoked_at": iso(device.revoked_at),
        "household_id": device.household_id,
        "default_member_id": device.default_member_id,
        "kids_mode": device.kids_mode,
    }


def local_time(t: dt.datetime, zone: ZoneInfo | None, *, seconds: bool = False) -> str:
    local = t.astimezone(zone)
    return local.strftime(f"%Y-%m-%d %H:%M{':%S' if seconds else ''} %Z").strip()


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {text!r}") from None
    if not 0 < value <= 1440:
        raise argparse.ArgumentTypeError(f"--minutes must be more than 0 and at most 1440, not {text}")
    return value
