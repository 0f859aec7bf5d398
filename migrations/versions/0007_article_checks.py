"""A checked draft (POST /v1/articles/check) is audited whole: one article_checks row in the
hash chain with the text and the answer as sent, and each verified sentence a query record
of its own that names it (queries.article_check_id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_checks",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("sentences", sa.Integer(), nullable=False),
        sa.Column("check_worthy", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("client_request_id", sa.String(length=128), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("key_id", sa.String(length=36), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_article_checks_created_at_id", "article_checks", ["created_at", "id"])
    op.create_index("ix_article_checks_sequence", "article_checks", ["sequence"], unique=True)
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("article_check_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_queries_article_check_id", "article_checks", ["article_check_id"], ["id"]
        )
    op.create_index("ix_queries_article_check_id", "queries", ["article_check_id"])


def downgrade() -> None:
    op.drop_index("ix_queries_article_check_id", table_name="queries")
    with op.batch_alter_table("queries") as batch:
        batch.drop_constraint("fk_queries_article_check_id", type_="foreignkey")
        batch.drop_column("article_check_id")
    op.drop_index("ix_article_checks_sequence", table_name="article_checks")
    op.drop_index("ix_article_checks_created_at_id", table_name="article_checks")
    op.drop_table("article_checks")
