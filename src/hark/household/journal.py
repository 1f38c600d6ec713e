"""What was said in a household: its turn journal (table ``turn_log``), read back for its admins.

Only rows of the asking household are ever read; a child's transcripts are how a parent sees
what kids mode answered. Each household keeps them ``transcript_retention_days`` (30 unless
set; :func:`purge_expired` runs at start and every hour).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, select

from ..store import Database
from ..store.models import HouseholdRow, TurnLog

MAX_ROWS = 500


@dataclasses.dataclass(frozen=True, slots=True)
class Transcript:
    id: int
    t: dt.datetime
    device_id: str
    member_id: str | None
    transcript: str
    reply: str
    brain: str
    intent: str | None
    slots: dict[str, Any]


async def transcripts(
    db: Database,
    household_id: str,
    *,
    member_id: str | None = None,
    device_id: str | None = None,
    limit: int = 50,
) -> list[Transcript]:
    """The household's latest turns, newest first (at most :data:`MAX_ROWS`)."""
    query = select(TurnLog).where(TurnLog.household_id == household_id)
    if member_id is not None:
        query = query.where(TurnLog.member_id == member_id)
    if device_id is not None:
        query = query.where(TurnLog.device_id == device_id)
    query = query.order_by(TurnLog.t.desc(), TurnLog.id.desc()).limit(max(1, min(limit, MAX_ROWS)))
    async with db.transaction() as session:
        rows = (await session.scalars(query)).all()
    return [
        Transcript(
            id=r.id,
            t=r.t,
            device_id=r.device_id,
            member_id=r.member_id,
            transcript=r.transcript,
            reply=r.reply,
            brain=r.brain,
            intent=r.intent,
            slots=json.loads(r.slots or "{}"),
        )
        for r in rows
    ]


async def purge_expired(db: Database, now: dt.datetime) -> int:
    """Delete every household's transcripts older than its ``transcript_retention_days``
    (None keeps them); how many were deleted. Recordings are never kept, so this is all there is."""
    async with db.transaction() as session:
        homes = (
            await session.execute(
                select(HouseholdRow.id, HouseholdRow.transcript_retention_days).where(
                    HouseholdRow.transcript_retention_days.is_not(None)
                )
            )
        ).all()
        deleted = 0
        for household_id, days in homes:
            if days is None:
                continue
            cutoff = now.astimezone(dt.UTC) - dt.timedelta(days=days)
            done = await session.execute(
                delete(TurnLog).where(TurnLog.household_id == household_id, TurnLog.t < cutoff)
            )
            deleted += int(getattr(done, "rowcount", 0) or 0)
    return deleted
