"""The ESPHome devices a household drives: where each is (host, port), its Noise key, name, room.

One row per device in ``esphome_devices``; the row's id is the Hark device id its
sessions run under (its timers, its turns). ``hark device add esphome://HOST[:PORT]``
writes it, ``hark serve`` connects to every one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import select

from ..errors import ConfigError
from ..store import Database
from ..store.models import DEFAULT_HOUSEHOLD, EsphomeDeviceRow

DEFAULT_PORT = 6053
_NAME = re.compile(r"^[\w .'-]{1,64}$")


class EsphomeAddressError(ConfigError):
    code = "esphome-address"


@dataclasses.dataclass(frozen=True, slots=True)
class EsphomeDevice:
    device_id: str
    host: str
    port: int
    name: str
    room: str | None
    noise_psk: str | None
    added_at: dt.datetime

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"esphome://{host}:{self.port}"


def parse_address(text: str) -> tuple[str, int]:
    """``esphome://HOST[:PORT]`` (or a bare ``HOST[:PORT]``) -> (host, port)."""
    raw = text.strip()
    if "://" not in raw:
        raw = "esphome://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise EsphomeAddressError(f"not an ESPHome address: {text!r} ({exc})") from None
    if parts.scheme != "esphome":
        raise EsphomeAddressError(f"an ESPHome address starts with esphome://, not {parts.scheme}://")
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.username:
        raise EsphomeAddressError(f"an ESPHome address is esphome://HOST[:PORT], not {text!r}")
    return parts.hostname, port or DEFAULT_PORT


def check_noise_psk(key: str) -> str:
    """The device's API encryption key (base64 of 32 bytes, as ESPHome shows it)."""
    try:
        raw = base64.b64decode(key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise EsphomeAddressError("the Noise key is the device's api encryption key: base64 of 32 bytes")
    return key.strip()


def _device(row: EsphomeDeviceRow) -> EsphomeDevice:
    return EsphomeDevice(row.id, row.host, row.port, row.name, row.room, row.noise_psk, row.added_at)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EsphomeDevices:
    """The household's ESPHome devices, in ``db``."""

    def __init__(
        self,
        db: Database,
        *,
        household_id: str = DEFAULT_HOUSEHOLD,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.household_id = household_id
        self._clock = clock

    async def add(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        name: str | None = None,
        room: str | None = None,
        noise_psk: str | None = None,
    ) -> EsphomeDevice:
        """Store a device; refused (:class:`EsphomeAddressError`) if that address is stored already."""
        if not 0 < port < 65536:
            raise EsphomeAddressError(f"a TCP port is 1 to 65535, not {port}")
        name = (name or host.split(".")[0]).strip()[:64]
        if not _NAME.match(name):
            raise EsphomeAddressError(f"a device name is letters, digits, spaces, . ' - (1 to 64): {name!r}")
        psk = check_noise_psk(noise_psk) if noise_psk else None
        async with self.db.transaction() as session:
            taken = (
                await session.scalars(
                    select(EsphomeDeviceRow).where(
                        EsphomeDeviceRow.household_id == self.household_id,
                        EsphomeDeviceRow.host == host,
                        EsphomeDeviceRow.port == port,
                    )
                )
            ).first()
            if taken is not None:
                raise EsphomeAddressError(f"{host}:{port} is added already, as {taken.id} ({taken.name})")
            row = EsphomeDeviceRow(
                id=f"esphome-{secrets.token_hex(4)}",
                household_id=self.household_id,
                host=host,
                port=port,
                noise_psk=psk,
                name=name,
                room=(room or "").strip()[:64] or None,
                added_at=self._clock(),
            )
            session.add(row)
            await session.flush()
            return _device(row)

    async def list(self) -> list[EsphomeDevice]:
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(EsphomeDeviceRow)
                    .where(EsphomeDeviceRow.household_id == self.household_id)
                    .order_by(EsphomeDeviceRow.added_at, EsphomeDeviceRow.id)
                )
            ).all()
            return [_device(r) for r in rows]

    async def get(self, device_id: str) -> EsphomeDevice | None:
        async with self.db.transaction() as session:
            row = await session.get(EsphomeDeviceRow, device_id)
            return _device(row) if row is not None and row.household_id == self.household_id else None

    async def remove(self, device_id: str) -> bool:
        async with self.db.transaction() as session:
            row = await session.get(EsphomeDeviceRow, device_id)
            if row is None or row.household_id != self.household_id:
                return False
            await session.delete(row)
            return True
