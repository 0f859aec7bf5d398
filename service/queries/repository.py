"""Reading and writing audit records. Synchronous: callers run it off the event loop."""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from factdesk.core.errors import UnavailableError
from service import pagination
from service.pagination import InvalidCursorError
from service.queries.chain import (
    ARTICLE_V1,
    CHAINED_FIELDS_BY_KIND,
    QUERY_FORMAT,
    QUERY_KIND_OF_FORMAT,
    REVIEW_V1,
    ChainReport,
    record_hash,
    walk_chain,
)
from service.queries.tables import ArticleCheckRecord, AuditHead, QueryRecord, Review

_ChainRow = QueryRecord | Review | ArticleCheckRecord

log = logging.getLogger("factdesk")
PROBE_ID = "readiness-probe"


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


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; naive values (SQLite returns them, clients may send them) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class QueryFilter:
    verdict: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    key_id: str | None = None  # only this key's queries; None: every key's
    needs_review: bool | None = None  # only answers that need (True) or need no editor
    reviewed: bool | None = None  # only answers an editor has (True) or has not reviewed


def encode_cursor(record: QueryRecord) -> str:
    return pagination.encode_cursor(f"{record.created_at.isoformat()}|{record.id}")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(created_at, id) of the record a cursor names; InvalidCursorError otherwise."""
    created, _, record_id = pagination.decode_cursor(cursor).partition("|")
    try:
        return as_utc(datetime.fromisoformat(created)), record_id
    except (ValueError, OverflowError) as exc:
        raise InvalidCursorError("cursor is not one this service issued") from exc


class AuditRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        # Writers of this process take turns on the chain's head; across processes the
        # head row's lock (PostgreSQL) or the database's write lock (SQLite) does it.
        self._chain_lock = threading.Lock()

    def record(self, record: QueryRecord) -> None:
        """Chain, insert and commit; raises AuditUnavailableError when the database fails."""
        record.chain_format = QUERY_FORMAT
        try:
            self._chained(record, QUERY_KIND_OF_FORMAT[QUERY_FORMAT])
        except SQLAlchemyError as exc:
            # The client gets a 503 without the cause; the operator needs it.
            log.error("audit record %s could not be written: %s", record.id, exc)
            raise AuditUnavailableError(
                f"audit record could not be written: {exc.__class__.__name__}"
            ) from exc

    def record_article(self, article: ArticleCheckRecord, answers: Sequence[QueryRecord]) -> None:
        """A checked draft and its sentences' answers, chained and committed together (all
        or none); raises AuditUnavailableError when the database fails."""
        for answer in answers:
            answer.chain_format = QUERY_FORMAT
            answer.article_check_id = article.id
        query_kind = QUERY_KIND_OF_FORMAT[QUERY_FORMAT]
        try:
            self._chained(article, ARTICLE_V1, *((a, query_kind) for a in answers))
        except SQLAlchemyError as exc:
            log.error("article check %s could not be written: %s", article.id, exc)
            raise AuditUnavailableError(
                f"audit records could not be written: {exc.__class__.__name__}"
            ) from exc

    def _chained(self, row: _ChainRow, kind: str, *more: tuple[_ChainRow, str]) -> None:
        """Insert ``row`` (then ``more``, in order) as the chain's next records, in one
        transaction with the head."""
        with self._chain_lock, self._sessions.begin() as session:
            head = session.scalars(
                select(AuditHead).where(AuditHead.id == 1).with_for_update()
            ).one()
            for each, each_kind in ((row, kind), *more):
                each.sequence = head.sequence + 1
                each.previous_hash = head.record_hash
                fields = {name: getattr(each, name) for name in CHAINED_FIELDS_BY_KIND[each_kind]}
                each.record_hash = record_hash(fields, head.record_hash, each_kind)
                head.sequence, head.record_hash = each.sequence, each.record_hash
                session.add(each)
                session.flush()  # the article before the answers that refer to it

    def get_article(self, article_id: str) -> tuple[ArticleCheckRecord, list[QueryRecord]] | None:
        """A checked draft and its sentences' answers (in chain order)."""
        statement = (
            select(QueryRecord)
            .where(QueryRecord.article_check_id == article_id)
            .order_by(QueryRecord.sequence)
        )
        try:
            with self._sessions() as session:
                article = session.get(ArticleCheckRecord, article_id)
                if article is None:
                    return None
                return article, list(session.scalars(statement))
        except SQLAlchemyError as exc:
            log.error("article check %s could not be read: %s", article_id, exc)
            raise AuditUnavailableError("audit trail could not be read") from exc

    def get(self, record_id: str) -> QueryRecord | None:
        try:
            with self._sessions() as session:
                return session.get(QueryRecord, record_id)
        except SQLAlchemyError as exc:
            log.error("audit record %s could not be read: %s", record_id, exc)
            raise AuditUnavailableError("audit trail could not be read") from exc

    def list(
        self, filters: QueryFilter, limit: int, cursor: str | None = None
    ) -> tuple[list[QueryRecord], str | None]:
        """Newest first; keyset pagination so concurrent inserts never shift pages."""
        statement = select(QueryRecord)
        if filters.verdict is not None:
            statement = statement.where(QueryRecord.verdict == filters.verdict)
        if filters.key_id is not None:
            statement = statement.where(QueryRecord.key_id == filters.key_id)
        if filters.needs_review is not None:
            statement = statement.where(QueryRecord.needs_review == filters.needs_review)
        if filters.reviewed is not None:
            has_review = exists().where(Review.query_id == QueryRecord.id)
            statement = statement.where(has_review if filters.reviewed else ~has_review)
        if filters.since is not None:
            statement = statement.where(QueryRecord.created_at >= as_utc(filters.since))
        if filters.until is not None:
            statement = statement.where(QueryRecord.created_at < as_utc(filters.until))
        if cursor:
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
            log.error("audit trail could not be listed: %s", exc)
            raise AuditUnavailableError("audit trail could not be read") from exc
        next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], next_cursor

    def ping(self) -> bool:
        """Whether a record could be written now: a probe row inserted and rolled back."""
        probe = QueryRecord(
            id=PROBE_ID, created_at=datetime.now(UTC), claim="", verdict="", confidence=0.0,
            top_k=0, response={}, stance_model="", stance_model_checksum="",
            embedding_model="", index_checksum="", latency_ms=0.0, request_id="",
            sequence=-1, previous_hash="", record_hash="",
        )  # fmt: skip
        try:
            with self._sessions() as session:
                session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
                session.execute(delete(QueryRecord).where(QueryRecord.id == PROBE_ID))
                session.add(probe)
                session.flush()
                session.rollback()
            return True
        except SQLAlchemyError as exc:
            log.warning("readiness: the audit trail is not writable: %s", exc)
            return False

    def verify_chain(self) -> ChainReport:
        """Walk every record in sequence order (streamed) against the chain and its head."""
        with self._sessions() as session:
            head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()

            streamed = {"yield_per": 500}
            queries = session.scalars(
                select(QueryRecord).order_by(QueryRecord.sequence).execution_options(**streamed)
            )
            reviews = session.scalars(
                select(Review).order_by(Review.sequence).execution_options(**streamed)
            )
            articles = session.scalars(
                select(ArticleCheckRecord)
                .order_by(ArticleCheckRecord.sequence)
                .execution_options(**streamed)
            )
            # Queries, reviews and drafts share one sequence: the walk reads them merged.
            chain = heapq.merge(
                map(_chain_row, queries),
                map(_chain_row, reviews),
                map(_chain_row, articles),
                key=lambda r: r["sequence"],
            )
            return walk_chain(chain, head.sequence, head.record_hash)

    def add_review(self, review: Review) -> None:
        try:
            self._chained(review, REVIEW_V1)
        except SQLAlchemyError as exc:
            log.error("review of %s could not be written: %s", review.query_id, exc)
            raise AuditUnavailableError("the review could not be recorded") from exc

    def reviews(self, query_id: str) -> Sequence[Review]:
        """Oldest first: the last one is the verdict that stands."""
        statement = (
            select(Review).where(Review.query_id == query_id).order_by(Review.created_at, Review.id)
        )
        try:
            with self._sessions() as session:
                return list(session.scalars(statement))
        except SQLAlchemyError as exc:
            raise AuditUnavailableError("reviews could not be read") from exc

    def latest_verdicts(self, query_ids: Sequence[str]) -> dict[str, str]:
        """Query id -> the verdict of its latest review, for the reviewed ones of ``query_ids``."""
        statement = (
            select(Review.query_id, Review.verdict)
            .where(Review.query_id.in_(list(query_ids)))
            .order_by(Review.created_at, Review.id)
        )
        try:
            with self._sessions() as session:
                return {query_id: verdict for query_id, verdict in session.execute(statement)}
        except SQLAlchemyError as exc:
            raise AuditUnavailableError("reviews could not be read") from exc

    def reviewed_since(self, sequence: int) -> Sequence[tuple[QueryRecord, Review]]:
        """The reviews after chain position ``sequence``, oldest first, each with the query
        it reviews (a query reviewed twice comes twice: the later review stands)."""
        statement = (
            select(QueryRecord, Review)
            .join(Review, Review.query_id == QueryRecord.id)
            .where(Review.sequence > sequence)
            .order_by(Review.sequence)
        )
        try:
            with self._sessions() as session:
                return [(record, review) for record, review in session.execute(statement)]
        except SQLAlchemyError as exc:
            log.error("reviews could not be read: %s", exc)
            raise AuditUnavailableError("reviews could not be read") from exc

    def reviewed(self) -> Iterator[tuple[QueryRecord, Review]]:
        """Every reviewed query with its latest review, oldest query first."""
        with self._sessions() as session:
            latest: dict[str, Review] = {}
            for review in session.scalars(select(Review).order_by(Review.created_at, Review.id)):
                latest[review.query_id] = review
            statement = (
                select(QueryRecord).where(QueryRecord.id.in_(latest)).order_by(QueryRecord.sequence)
            )
            for record in session.scalars(statement):
                yield record, latest[record.id]

    def head(self) -> tuple[int, str]:
        with self._sessions() as session:
            head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
            return head.sequence, head.record_hash


def _chain_row(row: _ChainRow) -> dict[str, Any]:
    """What the walk checks of a row: the fields its kind's hash covers, and its links."""
    if isinstance(row, QueryRecord):
        kind = QUERY_KIND_OF_FORMAT[row.chain_format]
    else:
        kind = REVIEW_V1 if isinstance(row, Review) else ARTICLE_V1
    return {
        **{name: getattr(row, name) for name in CHAINED_FIELDS_BY_KIND[kind]},
        "kind": kind,
        "previous_hash": row.previous_hash,
        "record_hash": row.record_hash,
    }


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
        "client_request_id": record.client_request_id,
        "user_agent": record.user_agent,
        "key_id": record.key_id,
        "needs_review": record.needs_review,
        "review_reason": record.review_reason,
        "article_check_id": record.article_check_id,
        "sequence": record.sequence,
        "record_hash": record.record_hash,
    }
