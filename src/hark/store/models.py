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

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false

from .columns import UTCDateTime

TimerState = Literal["running", "paused", "ringing", "done", "cancelled"]
ReminderState = Literal["pending", "announced", "cancelled"]

TIMER_STATES: tuple[TimerState, ...] = ("running", "paused", "ringing", "done", "cancelled")
REMINDER_STATES: tuple[ReminderState, ...] = ("pending", "announced", "cancelled")

__all__ = [
    "DEFAULT_HOUSEHOLD",
    "MEMBER_KINDS",
    "PLANS",
    "REMINDER_STATES",
    "TIMER_STATES",
    "Alarm",
    "Base",
    "DeviceRow",
    "EsphomeDeviceRow",
    "Fact",
    "HouseholdRow",
    "ListItem",
    "MemberRow",
    "PairingCodeRow",
    "PairingGuardRow",
    "Reminder",
    "ReminderState",
    "Timer",
    "TimerState",
    "TurnLog",
    "UsageRow",
    "VoiceProfileRow",
]

DEFAULT_HOUSEHOLD = "default"
"""The household of a single-home install (created by migration 0004); rows written before
households existed belong to it."""

PLANS = ("classic", "plus")
MEMBER_KINDS = ("adult", "child")


def _household_column() -> Mapped[str]:
    return mapped_column(String(64), default=DEFAULT_HOUSEHOLD, server_default=DEFAULT_HOUSEHOLD)


class Base(DeclarativeBase):
    """Declarative base; its ``metadata`` is what Alembic compares the migrations with."""


class Timer(Base):
    """A countdown on one device. ``ends_at`` is authoritative while running;
    while paused, ``paused_remaining_s`` holds what is left."""

    __tablename__ = "timers"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in TIMER_STATES)})", name="ck_timers_state"),
        Index("ix_timers_device_state", "device_id", "state"),
        Index("ix_timers_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
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
    __table_args__ = (
        Index("ix_alarms_device_enabled", "device_id", "enabled"),
        Index("ix_alarms_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
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
        Index("ix_reminders_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
    device_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ListItem(Base):
    """One entry of a household list (shared by the household's devices). ``list_name`` and
    ``item`` are stored normalised, so the unique constraint refuses duplicates."""

    __tablename__ = "list_items"
    __table_args__ = (
        UniqueConstraint("household_id", "list_name", "item", name="uq_list_items_household_list_item"),
        Index("ix_list_items_household_list", "household_id", "list_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
    list_name: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TurnLog(Base):
    """One conversation turn as the brain saw it (for history and debugging)."""

    __tablename__ = "turn_log"
    __table_args__ = (Index("ix_turn_log_household_t", "household_id", "t"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
    member_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Who spoke, when known (voice or the device's default member)."""
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
    __table_args__ = (Index("ix_facts_household_profile", "household_id", "profile"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
    profile: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DeviceRow(Base):
    """A paired device (speaker, browser tab, phone): what its token is and where it stands.

    Only ``token_hash`` (SHA-256 of the token, hex) is stored: the token itself is shown
    once, at pairing. A revoked device keeps its row (``revoked_at`` set) so the list
    shows it and its token stays refused. Used by :mod:`hark.store.devices`.
    """

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = _household_column()
    name: Mapped[str] = mapped_column(String(64))
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    default_member_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Whose turn it is when the voice is not recognised (None: the household's shared profile)."""
    kids_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Every turn on this device runs in kids mode, whoever speaks (the per-device switch)."""


class PairingCodeRow(Base):
    """A short pairing code offered by ``hark device pair``: single use, until ``expires_at``.

    ``code_hash`` is SHA-256 of ``salt`` and the code (hex). ``used_at`` and ``device_id``
    are set by the pairing that used it.
    """

    __tablename__ = "pairing_codes"
    __table_args__ = (Index("ix_pairing_codes_household_expires", "household_id", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = _household_column()
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


class HouseholdRow(Base):
    """One home: its settings, plan and quotas. ``admin_token_hash`` (SHA-256, hex) opens the
    admin API for this household only."""

    __tablename__ = "households"
    __table_args__ = (CheckConstraint(f"plan IN ({', '.join(repr(p) for p in PLANS)})", name="ck_households_plan"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """Home location for weather ("Lisbon"), else the config's."""
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    plan: Mapped[str] = mapped_column(String(16), default="plus", server_default="plus")
    quota_tokens_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quota_requests_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    smart_home: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """The household's own Home Assistant URL; None: the config's (default household) or none."""
    smart_home_token: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    """Its long-lived access token (a secret: never shown, logged or returned by the admin API)."""
    admin_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    transcript_retention_days: Mapped[int | None] = mapped_column(
        Integer, default=30, server_default="30", nullable=True
    )
    """Transcripts older than this are deleted (None: kept). Recordings are never kept."""


class MemberRow(Base):
    """A person of a household: adult (``admin`` may manage it) or child (with an ``age``).

    A child's settings are the parent's choices: ``memory_allowed`` (long-term memory of what
    they say), ``smart_home_allowed`` (comma-separated smart-home domains they may control,
    e.g. ``light``; empty: none)."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("household_id", "name", name="uq_members_household_name"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in MEMBER_KINDS)})", name="ck_members_kind"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), ForeignKey("households.id", name="fk_members_household_id"))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memory_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    smart_home_allowed: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    quiet_hours: Mapped[str | None] = mapped_column(String(11), nullable=True)
    """A child's bedtime, local "HH:MM-HH:MM" (may cross midnight); None: none."""
    chat_minutes_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """A child's daily chat allowance in minutes; None: no limit."""
    allowed_tools: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """A child's tools, comma-separated; empty: the kids' defaults."""
    explicit_filter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Replies screened for explicit words even outside kids mode (always on in kids mode)."""


class VoiceProfileRow(Base):
    """A member's enrolled voice: the mean of their utterances' speaker embeddings
    (float32, L2-normalised, as bytes)."""

    __tablename__ = "voice_profiles"

    member_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("members.id", name="fk_voice_profiles_member_id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    utterances: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class UsageRow(Base):
    """One metered call (an LLM request): tokens in, out and read from cache, the model, and its
    estimated cost, for the household and (when known) the member and device."""

    __tablename__ = "usage"
    __table_args__ = (Index("ix_usage_household_t", "household_id", "t"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    t: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16), default="llm")
    model: Mapped[str] = mapped_column(String(100))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)


class EsphomeDeviceRow(Base):
    """An ESPHome voice device Hark connects to (the device is the API server)."""

    __tablename__ = "esphome_devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The Hark device id its sessions run under."""
    household_id: Mapped[str] = _household_column()
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=6053)
    noise_psk: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(64))
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
