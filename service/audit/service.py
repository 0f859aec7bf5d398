"""The audit trail as the routes use it: every answer recorded before it is given."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from factdesk.wiring import Pipeline
from service.audit.chain import ChainReport
from service.audit.models import QueryRecord, Review
from service.audit.repository import AuditRepository, QueryFilter
from service.schemas import VerifyResponse


class AuditService:
    """Synchronous, like the repository: the routes run it off the event loop."""

    def __init__(self, repository: AuditRepository, pipeline: Pipeline) -> None:
        self.repository = repository
        self._stance_identity = pipeline.verifier.stance_identity
        self._embedding_model = pipeline.embedder.name

    @staticmethod
    def new_record_id() -> str:
        return str(uuid.uuid4())

    def record_answer(
        self,
        response: VerifyResponse,
        top_k: int,
        request_id: str,
        user_agent: str | None,
        key_id: str | None = None,
        client_request_id: str | None = None,
    ) -> None:
        """Commit the answer; AuditUnavailableError (a 503) when the database fails."""
        self.repository.record(
            QueryRecord(
                id=response.id,
                created_at=datetime.now(UTC),
                claim=response.claim,
                verdict=response.verdict.value,
                confidence=response.confidence,
                top_k=top_k,
                response=response.model_dump(mode="json"),
                stance_model=self._stance_identity.get("name", ""),
                stance_model_checksum=self._stance_identity.get("checksum", ""),
                embedding_model=self._embedding_model,
                index_checksum=response.index.checksum,
                index_version=response.index.version,
                language=response.language,
                latency_ms=response.took_ms,
                request_id=request_id,
                client_request_id=client_request_id,
                user_agent=(user_agent or "")[:512] or None,
                key_id=key_id,
            )
        )

    def get(self, record_id: str) -> QueryRecord | None:
        return self.repository.get(record_id)

    def list(
        self, filters: QueryFilter, limit: int, cursor: str | None
    ) -> tuple[list[QueryRecord], str | None]:
        return self.repository.list(filters, limit, cursor)

    def ping(self) -> bool:
        return self.repository.ping()

    def review(
        self,
        record: QueryRecord,
        verdict: str,
        note: str | None,
        reviewer: str,
        key_id: str | None,
    ) -> Review:
        review = Review(
            id=str(uuid.uuid4()), query_id=record.id, created_at=datetime.now(UTC),
            verdict=verdict, agrees=verdict == record.verdict, note=note, reviewer=reviewer,
            key_id=key_id,
        )  # fmt: skip
        self.repository.add_review(review)
        return review

    def reviews(self, query_id: str) -> Sequence[Review]:
        return self.repository.reviews(query_id)

    def verify_chain(self) -> ChainReport:
        return self.repository.verify_chain()
