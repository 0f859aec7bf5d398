"""Reading and writing audit records. Synchronous: callers run it off the event loop."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from factdesk.core.errors import InvalidInputError, UnavailableError
from service.audit.models import QueryRecord


class AuditUnavailableError(UnavailableError):
    """The audit record could not be written or read; no unlogged answer may be given."""

    slug = "audit-unavailable"
    title = "Audit trail unavailable"

    @property
    def detail(self) -> str:
        # The cause is for the log, not for the client.
        return (
            "the answer could not be recorded in the audit trail, so it is not given; retry later"
        )


class InvalidCursorError(InvalidInputError):
    field = "query.cursor"


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; naive values (SQLite returns them, clients may send them) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class QueryFilter:
    verdict: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def encode_cursor(record: QueryRecord) -> str:
    raw = f"{record.created_at.isoformat()}|{record.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, _, record_id = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.fromisoformat(created), record_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("cursor is not one this service issued") from exc


class AuditRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, record: QueryRecord) -> None:
        """Insert and commit; raises AuditUnavailableError when the database fails."""
        try:
            with self._sessions.begin() as session:
                session.add(record)
        except SQLAlchemyError as exc:
            raise AuditUnavailableError(
                f"audit record could not be written: {exc.__class__.__name__}"
            ) from exc

    def get(self, record_id: str) -> QueryRecord | None:
        try:
            with self._sessions() as session:
                return session.get(QueryRecord, record_id)
        except SQLAlchemyError as exc:
            raise AuditUnavailableError("audit trail could not be read") from exc

    def list(
        self, filters: QueryFilter, limit: int, cursor: str | None = None
    ) -> tuple[list[QueryRecord], str | None]:
        """Newest first; keyset pagination so concurrent inserts never shift pages."""
        statement = select(QueryRecord)
        if filters.verdict is not None:
            statement = statement.where(QueryRecord.verdict == filters.verdict)
        if filters.since is not None:
            statement = statement.where(QueryRecord.created_at >= as_utc(filters.since))
        if filters.until is not None:
            statement = statement.where(QueryRecord.created_at < as_utc(filters.until))
        if cursor is not None:
            created, record_id = decode_cursor(cursor)
            statement = statement.where(
                or_(
                    QueryRecord.created_at < created,
                    and_(QueryRecord.created_at == created, QueryRecord.id < record_id),
                )
            )
        statement = statement.order_by(QueryRecord.created_at.desc(), QueryRecord.id.desc())
        try:
            with self._sessions() as session:
                rows = list(session.scalars(statement.limit(limit + 1)))
        except SQLAlchemyError as exc:
            raise AuditUnavailableError("audit trail could not be read") from exc
        next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], next_cursor

    def ping(self) -> bool:
        try:
            with self._sessions() as session:
                session.execute(select(1))
            return True
        except SQLAlchemyError:
            return False


def record_fields(record: QueryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": as_utc(record.created_at),
        "claim": record.claim,
        "verdict": record.verdict,
        "confidence": record.confidence,
        "top_k": record.top_k,
        "stance_model": record.stance_model,
        "stance_model_checksum": record.stance_model_checksum,
        "embedding_model": record.embedding_model,
        "index_checksum": record.index_checksum,
        "latency_ms": record.latency_ms,
        "request_id": record.request_id,
        "user_agent": record.user_agent,
    }
