"""Create the queries audit table.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("stance_model", sa.String(length=512), nullable=False),
        sa.Column("stance_model_checksum", sa.String(length=64), nullable=False),
        sa.Column("embedding_model", sa.String(length=512), nullable=False),
        sa.Column("index_checksum", sa.String(length=64), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_queries_created_at_id", "queries", ["created_at", "id"])
    op.create_index("ix_queries_verdict_created_at", "queries", ["verdict", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_queries_verdict_created_at", table_name="queries")
    op.drop_index("ix_queries_created_at_id", table_name="queries")
    op.drop_table("queries")
