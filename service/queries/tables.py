"""Database tables of the audit trail. Every change here needs an Alembic migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class QueryRecord(Base):
    """One answered verification, with the full response exactly as the client received it."""

    __tablename__ = "queries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    claim: Mapped[str] = mapped_column(Text, nullable=False)
    verdict: Mapped[str] = mapped_column(String(32), nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    top_k: Mapped[int] = mapped_column(Integer, nullable=False)
    response: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), nullable=False
    )
    stance_model: Mapped[str] = mapped_column(String(512), nullable=False)
    stance_model_checksum: Mapped[str] = mapped_column(String(64), nullable=False)
    embedding_model: Mapped[str] = mapped_column(String(512), nullable=False)
    index_checksum: Mapped[str] = mapped_column(String(64), nullable=False)
    # The corpus version that answered (None before versions were recorded). Not a chained
    # field of its own: the chained response carries it (response.index.version).
    index_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)  # of the claim
    # Whether an editor must look before the answer is used, and why (verify.review); None
    # for records written before answers said so. Not chained fields of their own: the
    # chained response carries them (response.needs_review, response.review_reason).
    needs_review: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False)
    # The article check this answer is one sentence of (POST /v1/articles/check); None for a
    # claim sent on its own. Not a chained field: the chained article check lists its answers.
    article_check_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("article_checks.id"), nullable=True
    )
    # The id this server gave the request; the client's own X-Request-ID is kept beside it.
    request_id: Mapped[str] = mapped_column(String(128), nullable=False)
    client_request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # None: auth off
    # The hash chain (service/queries/chain.py): 1, 2, 3, ... with no gaps, shared with the
    # reviews; each record's hash covers its fields and the previous record's hash.
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Which fields the hash covers (chain.QUERY_KIND_OF_FORMAT): 1 for records written before
    # the language and the corpus version were chained.
    chain_format: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    record_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_queries_created_at_id", "created_at", "id"),
        Index("ix_queries_verdict_created_at", "verdict", "created_at"),
        Index("ix_queries_sequence", "sequence", unique=True),
        Index("ix_queries_key_id_created_at", "key_id", "created_at"),
        Index("ix_queries_needs_review_created_at", "needs_review", "created_at"),
        Index("ix_queries_article_check_id", "article_check_id"),
    )


class AuditHead(Base):
    """One row: the last record's sequence and hash. Writers lock it, so the chain never
    forks; `factdesk audit verify` checks it, so deleting the newest records shows."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    record_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class Review(Base):
    """An editor's judgment of an answer: agreeing with its verdict, or overriding it."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    query_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("queries.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    verdict: Mapped[str] = mapped_column(String(32), nullable=False)  # the reviewed verdict
    agrees: Mapped[bool] = mapped_column(Boolean, nullable=False)  # with the answer's verdict
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer: Mapped[str] = mapped_column(String(100), nullable=False)  # the key's name
    key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # In the same hash chain as the queries: an edited review breaks it as an edited answer does.
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    record_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_reviews_query_id_created_at", "query_id", "created_at"),
        Index("ix_reviews_sequence", "sequence", unique=True),
    )


class ArticleCheckRecord(Base):
    """One checked draft (POST /v1/articles/check): the text as checked, and the answer as
    sent with each verified sentence's answer replaced by its id (each is a QueryRecord of
    its own, linked back by ``article_check_id``). Written in one transaction with those
    answers, in the same hash chain: a draft is audited whole or not at all."""

    __tablename__ = "article_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)  # the spans index into it
    source: Mapped[str | None] = mapped_column(String(512), nullable=True)  # an upload's name
    sentences: Mapped[int] = mapped_column(Integer, nullable=False)
    check_worthy: Mapped[int] = mapped_column(Integer, nullable=False)
    response: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), nullable=False
    )
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False)
    request_id: Mapped[str] = mapped_column(String(128), nullable=False)
    client_request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    record_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_article_checks_created_at_id", "created_at", "id"),
        Index("ix_article_checks_sequence", "sequence", unique=True),
    )
