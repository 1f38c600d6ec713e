"""The queries behind a household's devices: paired devices, pairing codes, the pairing guard.

Plain functions over an open :class:`~sqlalchemy.ext.asyncio.AsyncSession` (one
:meth:`hark.store.Database.transaction`), so the caller decides what happens in one
transaction. Policy (hashing, expiry, how many wrong codes are too many, how often
``last_seen`` is written) lives in :mod:`hark.household.devices`; nothing here
sees a token or a code in clear, only their hashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import DeviceRow, PairingCodeRow, PairingGuardRow

__all__ = [
    "add_code",
    "add_device",
    "device_by_id",
    "device_by_token_hash",
    "devices",
    "guard",
    "link_code",
    "live_codes",
    "purge_codes",
    "revoke_device",
    "touch_device",
    "use_code",
]


# -- devices ---------------------------------------------------------------------------------------


async def add_device(session: AsyncSession, row: DeviceRow) -> DeviceRow:
    session.add(row)
    await session.flush()
    return row


async def device_by_id(session: AsyncSession, household_id: str, device_id: str) -> DeviceRow | None:
    return (
        await session.scalars(
            select(DeviceRow).where(DeviceRow.household_id == household_id, DeviceRow.id == device_id)
        )
    ).first()


async def device_by_token_hash(session: AsyncSession, household_id: str | None, token_hash: str) -> DeviceRow | None:
    """The device whose token hashes to ``token_hash`` (revoked or not): one unique-index lookup,
    in ``household_id`` (None: whichever household holds it; token hashes are unique)."""
    query = select(DeviceRow).where(DeviceRow.token_hash == token_hash)
    if household_id is not None:
        query = query.where(DeviceRow.household_id == household_id)
    return (await session.scalars(query)).first()


async def devices(session: AsyncSession, household_id: str) -> Sequence[DeviceRow]:
    """Every device of the household, revoked ones too, in pairing order (then by name)."""
    return (
        await session.scalars(
            select(DeviceRow)
            .where(DeviceRow.household_id == household_id)
            .order_by(DeviceRow.paired_at, DeviceRow.name, DeviceRow.id)
        )
    ).all()


async def touch_device(session: AsyncSession, device_id: str, when: dt.datetime) -> None:
    await session.execute(update(DeviceRow).where(DeviceRow.id == device_id).values(last_seen=when))


async def revoke_device(session: AsyncSession, household_id: str, device_id: str, when: dt.datetime) -> bool:
    """Mark the device revoked; False when there is no such device or it already was."""
    result = await session.execute(
        update(DeviceRow)
        .where(DeviceRow.household_id == household_id, DeviceRow.id == device_id, DeviceRow.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    return bool(getattr(result, "rowcount", 0))


# -- pairing codes ---------------------------------------------------------------------------------


async def add_code(session: AsyncSession, row: PairingCodeRow) -> PairingCodeRow:
    session.add(row)
    await session.flush()
    return row


async def live_codes(session: AsyncSession, household_id: str, now: dt.datetime) -> Sequence[PairingCodeRow]:
    """Codes not used and not expired at ``now`` (a code expires *at* ``expires_at``), oldest first."""
    return (
        await session.scalars(
            select(PairingCodeRow)
            .where(
                PairingCodeRow.household_id == household_id,
                PairingCodeRow.used_at.is_(None),
                PairingCodeRow.expires_at > now,
            )
            .order_by(PairingCodeRow.created_at, PairingCodeRow.id)
        )
    ).all()


async def use_code(session: AsyncSession, code_id: int, when: dt.datetime) -> bool:
    """Mark the code used (or withdrawn). False when it already was: whoever gets True owns
    it, even with two pairings racing for one code."""
    result = await session.execute(
        update(PairingCodeRow)
        .where(PairingCodeRow.id == code_id, PairingCodeRow.used_at.is_(None))
        .values(used_at=when)
    )
    return bool(getattr(result, "rowcount", 0))


async def link_code(session: AsyncSession, code_id: int, device_id: str) -> None:
    """Record which device a used code paired."""
    await session.execute(update(PairingCodeRow).where(PairingCodeRow.id == code_id).values(device_id=device_id))


async def purge_codes(session: AsyncSession, household_id: str, before: dt.datetime) -> None:
    """Forget codes that expired, or were used, before ``before``."""
    await session.execute(
        delete(PairingCodeRow).where(
            PairingCodeRow.household_id == household_id,
            or_(PairingCodeRow.expires_at < before, PairingCodeRow.used_at < before),
        )
    )


# -- the pairing guard -----------------------------------------------------------------------------


async def guard(session: AsyncSession, household_id: str) -> PairingGuardRow:
    """The household's guard row, locked for this transaction (it serialises pairings), created
    (no failures, not locked) the first time. Two first pairings racing on PostgreSQL both find
    no row: the insert that loses waits for the winner and does nothing, then both lock the row."""
    row = await session.get(PairingGuardRow, household_id, with_for_update=True)
    if row is None:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(PairingGuardRow)
            .values(household_id=household_id, failures=0, window_started_at=None, locked_until=None)
            .on_conflict_do_nothing(index_elements=[PairingGuardRow.household_id])
        )
        row = await session.get(PairingGuardRow, household_id, with_for_update=True, populate_existing=True)
        assert row is not None
    return row
