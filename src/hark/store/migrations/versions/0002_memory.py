"""Long-term memory: the facts a person asked Hark to remember.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00

Written by hand in the shape ``alembic revision --autogenerate`` produces (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_facts_profile", "facts", ["profile"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_facts_profile", table_name="facts")
    op.drop_table("facts")
