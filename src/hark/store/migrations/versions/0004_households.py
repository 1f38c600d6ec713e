"""Households: members, voice profiles, metered usage, ESPHome devices; every row gets its household.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:30:00

Rows written before this revision belong to the ``default`` household, which this revision
creates (plan ``plus``: what a single-home install had). Lists become per household (the unique
constraint includes it); memory facts, timers, alarms, reminders and the turn journal carry the
household so every query can be scoped to it. SQLite cannot alter constraints in place, so the
tables that change constraints are rebuilt with Alembic's batch mode (only ``list_items``, which
no other table points at).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_SCOPED = ("timers", "alarms", "reminders", "turn_log", "facts")


def _household() -> sa.Column[str]:
    return sa.Column("household_id", sa.String(length=64), server_default="default", nullable=False)


def upgrade() -> None:
    households = op.create_table(
        "households",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("plan", sa.String(length=16), server_default="plus", nullable=False),
        sa.Column("quota_tokens_month", sa.Integer(), nullable=True),
        sa.Column("quota_requests_month", sa.Integer(), nullable=True),
        sa.Column("smart_home", sa.String(length=255), nullable=True),
        sa.Column("admin_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("plan IN ('classic', 'plus')", name="ck_households_plan"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("admin_token_hash"),
    )
    op.bulk_insert(
        households,
        [{"id": "default", "name": "Home", "language": "en", "plan": "plus", "created_at": dt.datetime.now(dt.UTC)}],
    )

    op.create_table(
        "members",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("memory_allowed", sa.Boolean(), nullable=False),
        sa.Column("smart_home_allowed", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('adult', 'child')", name="ck_members_kind"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name="fk_members_household_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_id", "name", name="uq_members_household_name"),
    )

    op.create_table(
        "voice_profiles",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("utterances", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_voice_profiles_member_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_voice_profiles_household_id", "voice_profiles", ["household_id"], unique=False)

    op.create_table(
        "usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("t", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_household_t", "usage", ["household_id", "t"], unique=False)

    op.create_table(
        "esphome_devices",
        sa.Column("id", sa.String(length=64), nullable=False),
        _household(),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("noise_psk", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    for table in _SCOPED:
        op.add_column(table, _household())
    op.add_column("turn_log", sa.Column("member_id", sa.String(length=64), nullable=True))
    op.create_index("ix_timers_household", "timers", ["household_id"], unique=False)
    op.create_index("ix_alarms_household", "alarms", ["household_id"], unique=False)
    op.create_index("ix_reminders_household", "reminders", ["household_id"], unique=False)
    op.create_index("ix_turn_log_household_t", "turn_log", ["household_id", "t"], unique=False)
    op.drop_index("ix_facts_profile", table_name="facts")
    op.create_index("ix_facts_household_profile", "facts", ["household_id", "profile"], unique=False)

    op.drop_index("ix_list_items_list_name", table_name="list_items")
    with op.batch_alter_table("list_items") as batch:
        batch.add_column(_household())
        batch.drop_constraint("uq_list_items_list_item", type_="unique")
        batch.create_unique_constraint("uq_list_items_household_list_item", ["household_id", "list_name", "item"])
    op.create_index("ix_list_items_household_list", "list_items", ["household_id", "list_name"], unique=False)

    # plain ADD COLUMN (SQLite has it): a batch rebuild would drop the table that pairing codes
    # point at, which foreign keys refuse once a device has paired
    op.add_column("devices", sa.Column("default_member_id", sa.String(length=64), nullable=True))
    op.add_column("devices", sa.Column("kids_mode", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("devices", "kids_mode")  # ALTER TABLE DROP COLUMN (SQLite >= 3.35), no rebuild
    op.drop_column("devices", "default_member_id")
    op.drop_index("ix_list_items_household_list", table_name="list_items")
    with op.batch_alter_table("list_items") as batch:
        batch.drop_constraint("uq_list_items_household_list_item", type_="unique")
        batch.create_unique_constraint("uq_list_items_list_item", ["list_name", "item"])
        batch.drop_column("household_id")
    op.create_index("ix_list_items_list_name", "list_items", ["list_name"], unique=False)
    op.drop_index("ix_facts_household_profile", table_name="facts")
    op.create_index("ix_facts_profile", "facts", ["profile"], unique=False)
    op.drop_index("ix_turn_log_household_t", table_name="turn_log")
    op.drop_index("ix_reminders_household", table_name="reminders")
    op.drop_index("ix_alarms_household", table_name="alarms")
    op.drop_index("ix_timers_household", table_name="timers")
    op.drop_column("turn_log", "member_id")
    for table in _SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("household_id")
    op.drop_table("esphome_devices")
    op.drop_index("ix_usage_household_t", table_name="usage")
    op.drop_table("usage")
    op.drop_index("ix_voice_profiles_household_id", table_name="voice_profiles")
    op.drop_table("voice_profiles")
    op.drop_table("members")
    op.drop_table("households")
