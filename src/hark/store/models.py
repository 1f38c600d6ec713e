"""The tables, as typed ORM classes.

Every instant is a :class:`~hark.store.columns.UTCDateTime` (UTC in the
database); local time only appears when something is spoken. The schema itself
is created by the Alembic migrations in ``migrations/versions``, never by
``create_all``: these classes must match the latest migration, which
``tests/test_store.py`` checks by comparing the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .columns import UTCDateTime

TimerState = Literal["running", "paused", "ringing", "done", "cancelled"]
ReminderState = Literal["pending", "announced", "cancelled"]

TIMER_STATES: tuple[TimerState, ...] = ("running", "paused", "ringing", "done", "cancelled")
REMINDER_STATES: tuple[ReminderState, ...] = ("pending", "announced", "cancelled")

__all__ = [
    "REMINDER_STATES",
    "TIMER_STATES",
    "Alarm",
    "Base",
    "DeviceRow",
    "ListItem",
    "PairingCodeRow",
    "PairingGuardRow",
    "Reminder",
    "ReminderState",
    "Timer",
    "TimerState",
    "TurnLog",
]


class Base(DeclarativeBase):
    """Declarative base; its ``metadata`` is what Alembic compares the migrations with."""


class Timer(Base):
    """A countdown on one device. ``ends_at`` is authoritative while running;
    while paused, ``paused_remaining_s`` holds what is left."""

    __tablename__ = "timers"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in TIMER_STATES)})", name="ck_timers_state"),
        Index("ix_timers_device_state", "device_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    duration_s: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    paused_remaining_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="running")
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class Alarm(Base):
    """A wake-up at a local wall-clock ``time`` ("07:00"): recurring on ``days``
    ("mon,tue", empty for none) or once on ``date``. ``next_at`` (UTC) is the next
    ring, recomputed in the local zone after each one so DST is honoured;
    ``None`` once a one-off alarm has rung or any alarm was cancelled."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_device_enabled", "device_id", "enabled"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(String(5))
    days: Mapped[str] = mapped_column(String(27), default="")
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Reminder(Base):
    """Something to say at ``due_at`` (UTC) on the device it was asked on."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in REMINDER_STATES)})", name="ck_reminders_state"),
        Index("ix_reminders_device_state", "device_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ListItem(Base):
    """One entry of a household list (shared by every device). ``list_name`` and
    ``item`` are stored normalised, so the unique constraint refuses duplicates."""

    __tablename__ = "list_items"
    __table_args__ = (UniqueConstraint("list_name", "item", name="uq_list_items_list_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(64), index=True)
    item: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TurnLog(Base):
    """One conversation turn as the brain saw it (for history and debugging)."""

    __tablename__ = "turn_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    t: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    transcript: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(100), nullable=True)
    slots: Mapped[str] = mapped_column(Text, default="{}")
    """JSON object, as text (portable between SQLite and PostgreSQL)."""
    reply: Mapped[str] = mapped_column(Text)
    brain: Mapped[str] = mapped_column(String(64))


class Fact(Base):
    """Something a person asked Hark to remember ("my sister is called Ana"), in their words.

    ``profile`` names whose memory it is (``SkillContext.profile``; ``default`` for
    a household with one voice). Read by :class:`hark.brain.memory.Memory`.
    """

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


DEFAULT_HOUSEHOLD = "default"
"""The household of every row until a server holds several (the column is there already)."""


class DeviceRow(Base):
    """A paired device (speaker, browser tab, phone): what its token is and where it stands.

    Only ``token_hash`` (SHA-256 of the token, hex) is stored: the token itself is shown
    once, at pairing. A revoked device keeps its row (``revoked_at`` set) so the list
    shows it and its token stays refused. Used by :mod:`hark.store.devices`.
    """

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), default=DEFAULT_HOUSEHOLD, server_default=DEFAULT_HOUSEHOLD)
    name: Mapped[str] = mapped_column(String(64))
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PairingCodeRow(Base):
    """A short pairing code offered by ``hark device pair``: single use, until ``expires_at``.

    ``code_hash`` is SHA-256 of ``salt`` and the code (hex). ``used_at`` and ``device_id``
    are set by the pairing that used it.
    """

    __tablename__ = "pairing_codes"
    __table_args__ = (Index("ix_pairing_codes_household_expires", "household_id", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(String(64), default=DEFAULT_HOUSEHOLD, server_default=DEFAULT_HOUSEHOLD)
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    device_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("devices.id", name="fk_pairing_codes_device_id"), nullable=True
    )


class PairingGuardRow(Base):
    """Wrong pairing codes of one household: how many in the current window, and until when
    pairing is refused after too many. Kept in the database so a restart does not reset it."""

    __tablename__ = "pairing_guard"

    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
