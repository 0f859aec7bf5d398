"""The audit trail as the routes use it: every answer recorded before it is given, listed,
reviewed, and drafted as a ClaimReview."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from factdesk.core.settings import PublishingSettings
from service.queries.chain import ChainReport
from service.queries.claimreview import claim_review
from service.queries.earlier import EarlierCheck, EarlierChecks
from service.queries.repository import AuditRepository, QueryFilter, record_fields
from service.queries.schemas import EarlierCheckOut
from service.queries.tables import ArticleCheckRecord, QueryRecord, Review
from verify.verifier import Verification


@dataclass(frozen=True)
class RequestOrigin:
    """Who asked, as the audit trail keeps it beside the answer."""

    request_id: str  # the id this server gave the request
    client_request_id: str | None = None  # the X-Request-ID the client sent
    user_agent: str | None = None
    key_id: str | None = None  # None: auth off


@dataclass(frozen=True)
class AnsweredClaim:
    """One verification and the answer it became, exactly as the client receives it."""

    record_id: str
    verification: Verification
    top_k: int
    sent: Mapping[str, Any]  # the answer as serialised for the client


@dataclass(frozen=True)
class CheckedArticle:
    """A checked draft as the audit trail keeps it: the text whose spans the answer gives,
    the answer as sent, and the verified sentences' answers (each audited as a claim)."""

    record_id: str
    text: str
    source: str | None  # the uploaded file's name; None for a text sent as JSON
    check_worthy: int
    sent: Mapping[str, Any]  # the answer as serialised for the client
    took_ms: float
    answers: Sequence[AnsweredClaim]


def _check_out(check: EarlierCheck, same_claim: bool) -> EarlierCheckOut:
    return EarlierCheckOut(
        **vars(check),
        same_claim=same_claim,
        claimreview_url=f"/v1/queries/{check.query_id}/claimreview",
    )


def _answer_by_id(sentence: Mapping[str, Any]) -> dict[str, Any]:
    stored = {key: value for key, value in sentence.items() if key != "answer"}
    stored["answer_id"] = sentence["answer"]["id"]
    return stored


def _answer_restored(sentence: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    restored = {key: value for key, value in sentence.items() if key != "answer_id"}
    if "answer_id" in sentence:
        restored["answer"] = answers[sentence["answer_id"]]
    return restored


class AuditService:
    """Synchronous, like the repository: the routes run it off the event loop."""

    def __init__(
        self,
        repository: AuditRepository,
        stance_identity: Mapping[str, str],
        publishing: PublishingSettings,
        earlier: EarlierChecks,
        checks_per_answer: int,
    ) -> None:
        self.repository = repository
        self._earlier = earlier
        self._checks_per_answer = checks_per_answer
        self._stance_identity = stance_identity
        self._publishing = publishing

    @staticmethod
    def new_record_id() -> str:
        return str(uuid.uuid4())

    def record_answer(self, answer: AnsweredClaim, origin: RequestOrigin) -> None:
        """Commit the answer; AuditUnavailableError (a 503) when the database fails."""
        self.repository.record(self._query_record(answer, origin))

    def record_article(self, article: CheckedArticle, origin: RequestOrigin) -> None:
        """Commit a checked draft with its sentences' answers, all in one transaction."""
        answers = {answer.record_id for answer in article.answers}
        stored = dict(article.sent)
        # Each answer is stored once, in its own record; the draft keeps its id in its place.
        stored["sentences"] = [
            _answer_by_id(sentence) if (sentence.get("answer") or {}).get("id") in answers
            else dict(sentence)
            for sentence in article.sent["sentences"]
        ]  # fmt: skip
        record = ArticleCheckRecord(
            id=article.record_id,
            created_at=datetime.now(UTC),
            text=article.text,
            source=article.source,
            sentences=len(stored["sentences"]),
            check_worthy=article.check_worthy,
            response=stored,
            latency_ms=article.took_ms,
            request_id=origin.request_id,
            client_request_id=origin.client_request_id,
            user_agent=(origin.user_agent or "")[:512] or None,
            key_id=origin.key_id,
        )
        queries = [self._query_record(answer, origin) for answer in article.answers]
        self.repository.record_article(record, queries)

    def get_article(self, article_id: str) -> tuple[dict[str, Any], str | None] | None:
        """A checked draft's answer exactly as it was sent, and the key that asked (None with
        auth off); None when there is none."""
        found = self.repository.get_article(article_id)
        if found is None:
            return None
        article, queries = found
        answers = {query.id: query.response for query in queries}
        response = dict(article.response)
        response["sentences"] = [
            _answer_restored(sentence, answers) for sentence in article.response["sentences"]
        ]
        return response, article.key_id

    def _query_record(self, answer: AnsweredClaim, origin: RequestOrigin) -> QueryRecord:
        verification = answer.verification
        return QueryRecord(
            id=answer.record_id,
            created_at=datetime.now(UTC),
            claim=verification.claim,
            verdict=verification.verdict.value,
            confidence=verification.confidence,
            top_k=answer.top_k,
            response=dict(answer.sent),
            stance_model=self._stance_identity.get("name", ""),
            stance_model_checksum=self._stance_identity.get("checksum", ""),
            embedding_model=verification.index.embedding_model,
            index_checksum=verification.index.checksum,
            index_version=verification.index.version,
            language=verification.language,
            needs_review=verification.review is not None,
            review_reason=verification.review.value if verification.review else None,
            latency_ms=verification.took_ms,
            request_id=origin.request_id,
            client_request_id=origin.client_request_id,
            user_agent=(origin.user_agent or "")[:512] or None,
            key_id=origin.key_id,
        )

    def earlier_checks(self, claims: Sequence[str]) -> list[list[EarlierCheckOut]]:
        """For each claim, the reviewed checks of the same claim (best first), as answers
        carry them."""
        found = self._earlier.same_claims(claims, self._checks_per_answer)
        return [[_check_out(check, True) for check in checks] for checks in found]

    def search_checks(
        self, text: str, limit: int, language: str | None, max_age_days: int | None
    ) -> list[EarlierCheckOut]:
        """The reviewed checks closest to ``text``, each saying whether it is the same claim."""
        found = self._earlier.search([text], limit, language=language, max_age_days=max_age_days)
        return [_check_out(c, self._earlier.is_same_claim(text, c)) for c in found[0]]

    def get(self, record_id: str) -> QueryRecord | None:
        return self.repository.get(record_id)

    def list(
        self, filters: QueryFilter, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of records' fields, each with the verdict its latest review set."""
        records, next_cursor = self.repository.list(filters, limit, cursor)
        reviewed = self.repository.latest_verdicts([r.id for r in records])
        rows = [{**record_fields(r), "reviewed_verdict": reviewed.get(r.id)} for r in records]
        return rows, next_cursor

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

    def claim_review(self, record: QueryRecord) -> dict[str, Any]:
        """The schema.org ClaimReview draft of an answer, rated by its latest review."""
        return claim_review(record, self.reviews(record.id), self._publishing)

    def verify_chain(self) -> ChainReport:
        return self.repository.verify_chain()
