"""API keys; the audit trail's hash chain, key id and the client's own request id.

Records written before this revision are chained here, oldest first, so
`factdesk audit verify` covers them too.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.queries.chain import CHAINED_FIELDS, GENESIS_HASH, record_hash

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _chain_existing_records() -> tuple[int, str]:
    queries = sa.table(
        "queries",
        *(sa.column(name) for name in CHAINED_FIELDS if name not in ("response", "created_at")),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("response", _JSON),
        sa.column("previous_hash"),
        sa.column("record_hash"),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(queries).order_by(queries.c.created_at, queries.c.id)
    ).mappings()
    previous, sequence = GENESIS_HASH, 0
    for row in list(rows):
        sequence += 1
        fields = {**row, "sequence": sequence}
        digest = record_hash(fields, previous)
        connection.execute(
            queries.update()
            .where(queries.c.id == row["id"])
            .values(sequence=sequence, previous_hash=previous, record_hash=digest)
        )
        previous = digest
    return sequence, previous


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=64), nullable=False),
        sa.Column("rate_limit", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("client_request_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("record_hash", sa.String(length=64), nullable=True))
    sequence, head_hash = _chain_existing_records()
    op.execute(
        sa.table("audit_head", sa.column("id"), sa.column("sequence"), sa.column("record_hash"))
        .insert()
        .values(id=1, sequence=sequence, record_hash=head_hash)
    )
    with op.batch_alter_table("queries") as batch:
        for name in ("sequence", "previous_hash", "record_hash"):
            batch.alter_column(name, nullable=False)
    op.create_index("ix_queries_sequence", "queries", ["sequence"], unique=True)
    op.create_index("ix_queries_key_id_created_at", "queries", ["key_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_queries_key_id_created_at", table_name="queries")
    op.drop_index("ix_queries_sequence", table_name="queries")
    with op.batch_alter_table("queries") as batch:
        for name in ("record_hash", "previous_hash", "sequence", "key_id", "client_request_id"):
            batch.drop_column(name)
    op.drop_table("audit_head")
    op.drop_index("ix_api_keys_key_hash", table_name="api_keys")
    op.drop_table("api_keys")
