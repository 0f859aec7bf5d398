"""Tables of the corpus. Every change here needs an Alembic migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class DocumentRevision(Base):
    """One text of a document, live from ``added_version`` until ``removed_version``.

    A document replaced (PUT) or deleted keeps its old revision, marked removed: every
    version of the corpus, and so every audited answer, can be traced to the text it read.
    """

    __tablename__ = "document_revisions"

    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), nullable=False)
    # Of the text alone: the same article under another id or title is a duplicate.
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)  # document_fingerprint
    text: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    publisher: Mapped[str | None] = mapped_column(String(300), nullable=True)
    authors: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    published: Mapped[str | None] = mapped_column(String(40), nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sentences: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)  # file name or upload
    added_version: Mapped[int] = mapped_column(Integer, nullable=False)
    removed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        Index("ix_document_revisions_document_id", "document_id", "removed_version"),
        Index("ix_document_revisions_content", "content_sha256", "removed_version"),
        Index("ix_document_revisions_versions", "added_version", "removed_version"),
    )


class IndexVersion(Base):
    """One version of the corpus: what changed from the one before, and what it holds."""

    __tablename__ = "index_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    added: Mapped[list[str]] = mapped_column(JSON, nullable=False)  # document ids
    removed: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    documents: Mapped[int] = mapped_column(Integer, nullable=False)
    # index.versions.content_digest of the live documents: replicas check what they load
    content_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)  # who or what made it


class CorpusHead(Base):
    """One row: the newest version. Writers lock it, so two writers never make the same
    version; replicas poll it to know when to load a newer one."""

    __tablename__ = "corpus_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
