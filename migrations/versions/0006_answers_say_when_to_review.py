"""Each audited answer records whether an editor must look before it is used, and why, so
the review queue (GET /v1/queries?needs_review=true&reviewed=false) is one indexed query.
Answers given before answers said so keep null: the threshold did not exist then.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("needs_review", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.String(length=32), nullable=True))
    op.create_index("ix_queries_needs_review_created_at", "queries", ["needs_review", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_queries_needs_review_created_at", table_name="queries")
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("review_reason")
        batch.drop_column("needs_review")
