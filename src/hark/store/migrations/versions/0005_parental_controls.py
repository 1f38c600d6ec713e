"""Parental controls: quiet hours, a daily chat limit, the tools a child may use, the explicit
filter; how long a household keeps its transcripts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("quiet_hours", sa.String(length=11), nullable=True))
    op.add_column("members", sa.Column("chat_minutes_day", sa.Integer(), nullable=True))
    op.add_column("members", sa.Column("allowed_tools", sa.String(length=500), server_default="", nullable=False))
    op.add_column("members", sa.Column("explicit_filter", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column(
        "households", sa.Column("transcript_retention_days", sa.Integer(), server_default="30", nullable=True)
    )


def downgrade() -> None:
    op.drop_column("households", "transcript_retention_days")
    op.drop_column("members", "explicit_filter")
    op.drop_column("members", "allowed_tools")
    op.drop_column("members", "chat_minutes_day")
    op.drop_column("members", "quiet_hours")
