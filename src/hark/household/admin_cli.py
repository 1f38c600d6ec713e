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
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ..config import Settings
from ..store import Database
from .devices import Device, DeviceRegistry

__all__ = ["add_device_parser", "device_command", "run_device"]

Clock = Callable[[], dt.datetime]


def add_device_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``device`` (with ``pair``, ``list``, ``revoke``) to ``hark``'s subcommands."""
    device = subparsers.add_parser("device", help="pair, list and revoke the devices of this household")
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


def run_device(args: argparse.Namespace, settings: Settings) -> int:
    """``hark device ...``: opens the database, does it, closes. Exit code 0 done, 1 refused
    (no such device). Storage failures are raised as :class:`~hark.store.StorageError`."""
    return asyncio.run(device_command(args, settings))


async def device_command(args: argparse.Namespace, settings: Settings, *, clock: Clock | None = None) -> int:
    """The body of :func:`run_device`, for callers that already run an event loop."""
    zone = ZoneInfo(settings.brain.timezone) if settings.brain.timezone else None
    db = Database.from_settings(settings)
    await db.open()
    try:
        registry = DeviceRegistry(db, clock=clock)
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
        f"until {_local(code.expires_at, zone, seconds=True)}"
    )
    if code.name or code.room:
        print(f"pairs: {code.name or 'a device'}{f' in the {code.room}' if code.room else ''}")
    print("on the device: enter the code on Hark's web page (the server's address in a browser),")
    print(f"           or run: hark ask --server URL --pair {code.code}")
    locked = await registry.locked_until()
    if locked is not None:
        print(
            f"hark: warning: too many wrong codes were tried lately; pairing is refused until "
            f"{_local(locked, zone, seconds=True)}, the code works after that",
            file=sys.stderr,
        )
    return 0


async def _list(registry: DeviceRegistry, args: argparse.Namespace, zone: ZoneInfo | None) -> int:
    devices = await registry.list()
    if args.json:
        print(json.dumps([_as_json(d) for d in devices], ensure_ascii=False))
        return 0
    if not devices:
        print("no devices paired yet; pair one with: hark device pair --name NAME --room ROOM")
        return 0
    header = ("ID", "NAME", "ROOM", "PAIRED", "LAST SEEN", "REVOKED")
    rows = [
        (
            d.device_id,
            d.name,
            d.room or "-",
            _local(d.paired_at, zone),
            _local(d.last_seen, zone) if d.last_seen else "never",
            _local(d.revoked_at, zone) if d.revoked_at else "-",
        )
        for d in devices
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


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


def _as_json(device: Device) -> dict[str, Any]:
    def iso(t: dt.datetime | None) -> str | None:
        return t.astimezone(dt.UTC).isoformat() if t is not None else None

    return {
        "device_id": device.device_id,
        "name": device.name,
        "room": device.room,
        "paired_at": iso(device.paired_at),
        "last_seen": iso(device.last_seen),
        "revoked_at": iso(device.revoked_at),
    }


def _local(t: dt.datetime, zone: ZoneInfo | None, *, seconds: bool = False) -> str:
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
