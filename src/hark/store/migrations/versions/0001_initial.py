"""Initial schema: timers, alarms, reminders, list items and the turn log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Written by hand in the shape ``alembic revision --autogenerate`` produces, so
later revisions can be generated against it. Instants are
``DateTime(timezone=True)``: naive UTC text on SQLite, ``timestamptz`` on
PostgreSQL (see ``hark.store.columns.UTCDateTime``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_remaining_s", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint("state IN ('running', 'paused', 'ringing', 'done', 'cancelled')", name="ck_timers_state"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_timers_device_state", "timers", ["device_id", "state"], unique=False)

    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=False),
        sa.Column("days", sa.String(length=27), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alarms_device_enabled", "alarms", ["device_id", "enabled"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'announced', 'cancelled')", name="ck_reminders_state"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reminders_device_state", "reminders", ["device_id", "state"], unique=False)

    op.create_table(
        "list_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_name", "item", name="uq_list_items_list_item"),
    )
    op.create_index("ix_list_items_list_name", "list_items", ["list_name"], unique=False)

    op.create_table(
        "turn_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("t", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("brain", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_turn_log_t", "turn_log", ["t"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_turn_log_t", table_name="turn_log")
    op.drop_table("turn_log")
    op.drop_index("ix_list_items_list_name", table_name="list_items")
    op.drop_table("list_items")
    op.drop_index("ix_reminders_device_state", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_alarms_device_enabled", table_name="alarms")
    op.drop_table("alarms")
    op.drop_index("ix_timers_device_state", table_name="timers")
    op.drop_table("timers")
