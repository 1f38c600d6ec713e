"""``hark device add esphome://HOST[:PORT]`` and ``hark device remove DEVICE_ID``: the ESPHome
voice devices Hark drives; ``hark serve`` connects to each (:func:`~.controller.start_esphome`).

Like the other ``hark device`` commands each opens the database, does one thing and closes
it; a running server picks the change up when it next starts.
"""

from __future__ import annotations

import argparse
import sys

from ..config import Settings
from ..store import Database
from .store import EsphomeDevices, check_noise_psk, parse_address

__all__ = ["add_esphome_parser", "add_esphome_serve_options", "esphome_device_command"]

COMMANDS = ("add", "remove")


def add_esphome_parser(device_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``add`` and ``remove`` to ``hark device``'s subcommands."""
    add = device_subparsers.add_parser(
        "add", help="drive an ESPHome voice device (Voice PE, Linux Voice Assistant): esphome://HOST[:6053]"
    )
    add.add_argument("address", metavar="esphome://HOST[:PORT]", help="the device's address (port 6053 by default)")
    add.add_argument("--noise-psk", metavar="KEY", help="the device's API encryption key (base64), if it has one")
    add.add_argument("--name", help="its name (default: the host's first label)")
    add.add_argument("--room", help="the room it is in (e.g. kitchen)")
    remove = device_subparsers.add_parser("remove", help="stop driving an ESPHome device (see: hark device list)")
    remove.add_argument("device_id", metavar="DEVICE_ID")


def add_esphome_serve_options(serve: argparse.ArgumentParser) -> None:
    """``hark serve``'s options for the reply audio ESPHome devices fetch."""
    serve.add_argument(
        "--esphome-media-port", type=int, default=0, help="port for ESPHome devices' reply audio (0: any free port)"
    )
    serve.add_argument(
        "--esphome-public-host", help="the address ESPHome devices reach this machine at (default: found per device)"
    )


async def esphome_device_command(args: argparse.Namespace, settings: Settings) -> int:
    """``hark device add|remove``: 0 done, 1 refused (a bad address or key, no such device)."""
    db = Database.from_settings(settings)
    await db.open()
    try:
        devices = EsphomeDevices(db)
        if args.device_command == "add":
            host, port = parse_address(args.address)
            psk = check_noise_psk(args.noise_psk) if args.noise_psk else None
            device = await devices.add(host, port, name=args.name, room=args.room, noise_psk=psk)
            where = f" in the {device.room}" if device.room else ""
            print(f"added {device.device_id} ({device.name}{where}): {device.address}")
            print("hark serve connects to it (restart a running server to pick it up)")
            return 0
        if args.device_command == "remove":
            if not await devices.remove(args.device_id):
                print(f"hark device remove: no ESPHome device {args.device_id!r}", file=sys.stderr)
                return 1
            print(f"removed {args.device_id}")
            return 0
        raise ValueError(f"not an ESPHome device command: {args.device_command!r}")
    finally:
        await db.close()
