"""``hark device add esphome://...`` / ``remove``: what is stored, and bad input refused in one line."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from hark.esphome.cli import add_esphome_parser, esphome_device_command
from hark.esphome.store import EsphomeAddressError, EsphomeDevices, parse_address
from hark.store import Database

KEY = "px7tsbK3C7bpXHr2OevEV2ZMg/FXNoz20BUjB5cXc2s="


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="hark")
    device = top.add_subparsers(dest="command").add_parser("device")
    add_esphome_parser(device.add_subparsers(dest="device_command", required=True))
    return top


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("esphome://voice-pe.local", ("voice-pe.local", 6053)),
        ("esphome://192.168.1.20:6054", ("192.168.1.20", 6054)),
        ("esphome://[fe80::1]:6053", ("fe80::1", 6053)),
        ("kitchen.local", ("kitchen.local", 6053)),
    ],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text", ["http://host", "esphome://", "esphome://host:99999", "esphome://host/path", "esphome://u@h"]
)
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(EsphomeAddressError):
        parse_address(text)


async def test_add_list_remove(settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    s = dataclasses.replace(settings, data_dir=tmp_path)
    args = parser().parse_args(
        ["device", "add", "esphome://10.0.0.7", "--noise-psk", KEY, "--name", "voice pe", "--room", "kitchen"]
    )
    assert await esphome_device_command(args, s) == 0
    assert "esphome://10.0.0.7:6053" in capsys.readouterr().out
    async with Database.from_settings(s) as db:
        (device,) = await EsphomeDevices(db).list()
    assert (device.host, device.port, device.name, device.room, device.noise_psk) == (
        "10.0.0.7", 6053, "voice pe", "kitchen", KEY,
    )  # fmt: skip
    # the same address twice is refused; so is a key that is not one (one line each: hark: error [...])
    with pytest.raises(EsphomeAddressError, match="added already"):
        await esphome_device_command(parser().parse_args(["device", "add", "esphome://10.0.0.7:6053"]), s)
    bad_key = parser().parse_args(["device", "add", "esphome://10.0.0.8", "--noise-psk", "not-a-key"])
    with pytest.raises(EsphomeAddressError, match="base64 of 32 bytes"):
        await esphome_device_command(bad_key, s)
    assert await esphome_device_command(parser().parse_args(["device", "remove", device.device_id]), s) == 0
    assert await esphome_device_command(parser().parse_args(["device", "remove", device.device_id]), s) == 1
    async with Database.from_settings(s) as db:
        assert await EsphomeDevices(db).list() == []
