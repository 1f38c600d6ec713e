"""A household's own Home Assistant: the long-lived access token beside its URL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("households", sa.Column("smart_home_token", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    op.drop_column("households", "smart_home_token")
