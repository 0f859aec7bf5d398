"""The newsroom's trust weight for each publisher's evidence (verify.trust): one row per
publisher weighted other than the default 1.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publisher_weights",
        sa.Column("publisher_key", sa.String(length=300), primary_key=True),
        sa.Column("publisher", sa.String(length=300), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("publisher_weights")
