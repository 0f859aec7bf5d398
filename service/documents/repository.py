"""Reading and writing the corpus's documents and versions. Synchronous: callers run it off
the event loop.

Every change is one transaction that takes the head row first (an UPDATE: PostgreSQL locks
the row, SQLite takes its write lock), so two writers, in one process or in two replicas,
never make the same version, and a crash leaves a change either whole or absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from factdesk.core.errors import ConflictError, NotFoundError
from index.corpus import METADATA_FIELDS, Document
from index.versions import content_digest, document_fingerprint
from index.words import normalise_space
from service.documents.tables import CorpusHead, DocumentRevision, IndexVersion


class DuplicateDocumentError(ConflictError):
    field = "body.text"


class DocumentExistsError(ConflictError):
    field = "body.id"


def content_sha256(text: str) -> str:
    """Of the text with whitespace normalised: a re-wrapped copy is the same article."""
    return hashlib.sha256(normalise_space(text).encode()).hexdigest()


@dataclass(frozen=True)
class StoredDocument:
    """A live document: its text and metadata, and where it stands in the versions."""

    document: Document
    revision: int
    added_version: int
    content_sha256: str
    source: str | None


@dataclass(frozen=True)
class Skipped:
    document_id: str
    reason: str  # why it was not added (a duplicate of ..., the id is taken)


@dataclass(frozen=True)
class CorpusChange:
    """What one write did. ``version`` is None when it changed nothing."""

    version: int | None
    added: list[StoredDocument] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _document(row: DocumentRevision) -> Document:
    return Document.stored(
        row.document_id,
        row.text,
        **{name: getattr(row, name) for name in METADATA_FIELDS},
        extra=dict(row.extra),
        sentences=tuple(row.sentences) if row.sentences is not None else None,
    )


def _stored(row: DocumentRevision) -> StoredDocument:
    return StoredDocument(
        _document(row), row.revision, row.added_version, row.content_sha256, row.source
    )


def _live_at(version: int) -> ColumnElement[bool]:
    return and_(
        DocumentRevision.added_version <= version,
        or_(DocumentRevision.removed_version.is_(None), DocumentRevision.removed_version > version),
    )


class CorpusRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- reading

    def head(self) -> int:
        with self._sessions() as session:
            return session.execute(
                select(CorpusHead.version).where(CorpusHead.id == 1)
            ).scalar_one()

    def fingerprints(self, version: int) -> dict[str, str]:
        """id -> document fingerprint of every document live at ``version``."""
        with self._sessions() as session:
            rows = session.execute(
                select(DocumentRevision.document_id, DocumentRevision.fingerprint).where(
                    _live_at(version)
                )
            )
            return {document_id: fingerprint for document_id, fingerprint in rows}

    def documents(self, version: int, ids: Sequence[str]) -> list[Document]:
        """The documents of ``ids`` as they are at ``version``."""
        found: list[Document] = []
        with self._sessions() as session:
            for start in range(0, len(ids), 500):  # bounded IN lists
                chunk = list(ids[start : start + 500])
                rows = session.scalars(
                    select(DocumentRevision).where(
                        DocumentRevision.document_id.in_(chunk), _live_at(version)
                    )
                )
                found.extend(_document(row) for row in rows)
        return found

    def get(self, document_id: str) -> StoredDocument | None:
        """The document as the newest version holds it."""
        with self._sessions() as session:
            row = session.scalars(
                select(DocumentRevision).where(
                    DocumentRevision.document_id == document_id,
                    DocumentRevision.removed_version.is_(None),
                )
            ).first()
            return _stored(row) if row is not None else None

    def live_documents(self) -> list[StoredDocument]:
        """Every document of the newest version, by id."""
        with self._sessions() as session:
            rows = session.scalars(
                select(DocumentRevision)
                .where(DocumentRevision.removed_version.is_(None))
                .order_by(DocumentRevision.document_id)
            )
            return [_stored(row) for row in rows]

    def version(self, version: int) -> IndexVersion | None:
        with self._sessions() as session:
            return session.get(IndexVersion, version)

    def versions(self, limit: int = 20, before: int | None = None) -> list[IndexVersion]:
        statement = select(IndexVersion).order_by(IndexVersion.version.desc()).limit(limit)
        if before is not None:
            statement = statement.where(IndexVersion.version < before)
        with self._sessions() as session:
            return list(session.scalars(statement))

    # --- writing

    def seed(self, documents: Sequence[Document], note: str) -> int:
        """Version 1 from ``documents`` when the corpus is empty; the head version either way
        (another replica may have seeded it first)."""
        with self._sessions.begin() as session:
            head = self._lock_head(session)
            if head > 0:
                return head
            self._commit_change(session, head, documents, [], note, source=note)
            return head + 1

    def add(
        self,
        documents: Sequence[Document],
        note: str,
        *,
        skip_conflicts: bool = False,
        sources: Sequence[str | None] | None = None,
    ) -> CorpusChange:
        """Add ``documents`` as one new version. A text already in the corpus, or an id in
        use, is a ConflictError, or with ``skip_conflicts`` reported in ``skipped``."""
        with self._sessions.begin() as session:
            head = self._lock_head(session)
            fresh, skipped = self._without_conflicts(session, documents, skip_conflicts)
            if not fresh:
                return CorpusChange(None, skipped=skipped)
            given = dict(
                zip((d.id for d in documents), sources or [None] * len(documents), strict=True)
            )
            rows = self._commit_change(
                session, head, fresh, [], note, sources=[given[d.id] for d in fresh]
            )
            return CorpusChange(head + 1, [_stored(row) for row in rows], [], skipped)

    def fresh(self, documents: Sequence[Document]) -> tuple[list[Document], list[Skipped]]:
        """The ``documents`` that ``add`` would add now, and the ones it would skip (an id in
        use, a text already in the corpus): read only, so an import embeds only those."""
        with self._sessions() as session:
            return self._without_conflicts(session, documents, skip=True)

    def replace(self, document: Document, note: str, source: str | None = None) -> CorpusChange:
        """The new text of an existing document, as a new version."""
        with self._sessions.begin() as session:
            head = self._lock_head(session)
            if self._live_row(session, document.id) is None:
                raise NotFoundError("document", document.id)
            self._check_duplicate(session, content_sha256(document.text), replacing=document.id)
            rows = self._commit_change(
                session, head, [document], [document.id], note, sources=[source]
            )
            return CorpusChange(head + 1, [_stored(rows[0])], [document.id])

    def remove(self, ids: Sequence[str], note: str) -> CorpusChange:
        """Remove the documents of ``ids`` as one new version; an unknown id is NotFound."""
        with self._sessions.begin() as session:
            head = self._lock_head(session)
            for document_id in ids:
                if self._live_row(session, document_id) is None:
                    raise NotFoundError("document", document_id)
            self._commit_change(session, head, [], list(ids), note)
            return CorpusChange(head + 1, [], list(ids))

    # --- inside a transaction

    @staticmethod
    def _lock_head(session: Session) -> int:
        # A write first: it takes the lock before anything is read (a read-then-write
        # transaction in SQLite can deadlock against another one).
        session.execute(
            update(CorpusHead).where(CorpusHead.id == 1).values(version=CorpusHead.version)
        )
        return session.execute(select(CorpusHead.version).where(CorpusHead.id == 1)).scalar_one()

    @staticmethod
    def _live_row(session: Session, document_id: str) -> DocumentRevision | None:
        return session.scalars(
            select(DocumentRevision).where(
                DocumentRevision.document_id == document_id,
                DocumentRevision.removed_version.is_(None),
            )
        ).first()

    def _check_duplicate(
        self,
        session: Session,
        digest: str,
        replacing: str | None = None,
        batch: Mapping[str, str] | None = None,
    ) -> None:
        """A DuplicateDocumentError when a live document, or one earlier in the same
        ``batch`` (content digest -> id), has this text."""
        same = (batch or {}).get(digest) or session.scalars(
            select(DocumentRevision.document_id).where(
                DocumentRevision.content_sha256 == digest,
                DocumentRevision.removed_version.is_(None),
            )
        ).first()
        if same is not None and same != replacing:
            raise DuplicateDocumentError(
                f"the same text is already document {same!r}; it is not indexed twice"
            )

    def _without_conflicts(
        self, session: Session, documents: Sequence[Document], skip: bool
    ) -> tuple[list[Document], list[Skipped]]:
        fresh: list[Document] = []
        skipped: list[Skipped] = []
        seen_ids: set[str] = set()
        seen_texts: dict[str, str] = {}
        for document in documents:
            digest = content_sha256(document.text)
            try:
                if document.id in seen_ids or self._live_row(session, document.id) is not None:
                    raise DocumentExistsError(
                        f"document {document.id!r} exists; PUT /v1/documents/{document.id} "
                        "replaces it"
                    )
                self._check_duplicate(session, digest, batch=seen_texts)
            except ConflictError as exc:
                if not skip:
                    raise
                skipped.append(Skipped(document.id, str(exc)))
                continue
            seen_ids.add(document.id)
            seen_texts[digest] = document.id
            fresh.append(document)
        return fresh, skipped

    def _commit_change(
        self,
        session: Session,
        head: int,
        added: Iterable[Document],
        removed: Sequence[str],
        note: str,
        source: str | None = None,
        sources: Sequence[str | None] | None = None,
    ) -> list[DocumentRevision]:
        version = head + 1
        now = datetime.now(UTC)
        if removed:
            session.execute(
                update(DocumentRevision)
                .where(
                    DocumentRevision.document_id.in_(list(removed)),
                    DocumentRevision.removed_version.is_(None),
                )
                .values(removed_version=version)
            )
        added = list(added)
        rows = [
            _row(document, version, now, sources[i] if sources else source)
            for i, document in enumerate(added)
        ]
        session.add_all(rows)
        session.flush()
        live = session.execute(
            select(DocumentRevision.document_id, DocumentRevision.fingerprint).where(
                _live_at(version)
            )
        )
        fingerprints = {document_id: fingerprint for document_id, fingerprint in live}
        session.add(
            IndexVersion(
                version=version,
                created_at=now,
                added=[d.id for d in added],
                removed=list(removed),
                documents=len(fingerprints),
                content_digest=content_digest(fingerprints),
                note=note[:500],
            )
        )
        session.execute(update(CorpusHead).where(CorpusHead.id == 1).values(version=version))
        return rows


def _row(document: Document, version: int, now: datetime, source: str | None) -> DocumentRevision:
    return DocumentRevision(
        document_id=document.id,
        content_sha256=content_sha256(document.text),
        fingerprint=document_fingerprint(document),
        text=document.text,
        **document.metadata(),
        sentences=list(document.sentences) if document.sentences is not None else None,
        extra=dict(document.extra),
        source=source,
        added_version=version,
        removed_version=None,
        created_at=now,
    )
