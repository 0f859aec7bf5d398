"""Reviews join the audit trail's hash chain, and new query records chain their language and
corpus version too.

Reviews written before are chained here, oldest first, after the newest record; query
records keep the fields their hash covered when written (`chain_format` 1). Downgrading
takes the reviews out of the chain and chains the query records again as the code before
this revision checks them (format 1, renumbered): an exported head hash no longer matches
after that, as after any rewrite of the chain.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.queries.chain import (
    CHAINED_FIELDS_BY_KIND,
    GENESIS_HASH,
    QUERY_V1,
    REVIEW_V1,
    record_hash,
)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHAIN_COLUMNS = ("sequence", "previous_hash", "record_hash")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _table(name: str, kind: str) -> sa.TableClause:
    typed = {"created_at": sa.DateTime(timezone=True), "response": _JSON, "agrees": sa.Boolean()}
    names = dict.fromkeys((*CHAINED_FIELDS_BY_KIND[kind], *_CHAIN_COLUMNS))
    return sa.table(name, *(sa.column(n, typed.get(n)) for n in names))


_HEAD = sa.table("audit_head", sa.column("id"), sa.column("sequence"), sa.column("record_hash"))


def _chain(
    table: sa.TableClause, kind: str, rows: list[sa.RowMapping], sequence: int, previous: str
) -> tuple[int, str]:
    """Chain ``rows`` after (sequence, previous); the new head."""
    connection = op.get_bind()
    for row in rows:
        sequence += 1
        digest = record_hash({**row, "sequence": sequence}, previous, kind)
        connection.execute(
            table.update()
            .where(table.c.id == row["id"])
            .values(sequence=sequence, previous_hash=previous, record_hash=digest)
        )
        previous = digest
    connection.execute(
        _HEAD.update().where(_HEAD.c.id == 1).values(sequence=sequence, record_hash=previous)
    )
    return sequence, previous


def upgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.add_column(
            sa.Column("chain_format", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("record_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    head = connection.execute(sa.select(_HEAD).where(_HEAD.c.id == 1)).mappings().first()
    reviews = _table("reviews", REVIEW_V1)
    rows = connection.execute(
        sa.select(reviews).order_by(reviews.c.created_at, reviews.c.id)
    ).mappings()
    start = (head["sequence"], head["record_hash"]) if head else (0, GENESIS_HASH)
    _chain(reviews, REVIEW_V1, list(rows), *start)
    with op.batch_alter_table("reviews") as batch:
        for name in _CHAIN_COLUMNS:
            batch.alter_column(name, nullable=False)
    op.create_index("ix_reviews_sequence", "reviews", ["sequence"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_reviews_sequence", table_name="reviews")
    with op.batch_alter_table("reviews") as batch:
        for name in reversed(_CHAIN_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("chain_format")
    queries = _table("queries", QUERY_V1)
    rows = op.get_bind().execute(sa.select(queries).order_by(queries.c.sequence)).mappings()
    _chain(queries, QUERY_V1, list(rows), 0, GENESIS_HASH)
