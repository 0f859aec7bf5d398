"""Bodies of /v1/queries: audited answers and their reviews. Field names are a contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from verify.review import ReviewReason
from verify.verdict import Verdict


class QuerySummary(BaseModel):
    id: str
    created_at: datetime
    claim: str
    verdict: Verdict
    confidence: float
    top_k: int
    latency_ms: float
    request_id: str = Field(description="The id this server gave the request (X-Request-ID).")
    client_request_id: str | None = Field(description="The X-Request-ID the client sent.")
    key_id: str | None = Field(description="The API key that asked; null with auth off.")
    needs_review: bool | None = Field(
        default=None,
        description="The answer said an editor must look before it is used; null for "
        "answers given before answers said so.",
    )
    review_reason: ReviewReason | None = Field(
        default=None, description="Why: low_confidence, conflict or abstention."
    )
    article_check_id: str | None = Field(
        default=None,
        description="The draft this claim is a sentence of (GET /v1/articles/checks/{id}); "
        "null for a claim sent on its own.",
    )
    reviewed_verdict: Verdict | None = Field(
        default=None,
        description="The latest review's verdict, which stands over the answer's; null until "
        "an editor reviews it.",
    )


class ReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"agree": True},
                {"verdict": "REFUTED", "note": "The deal was not signed."},
            ]
        },
    )

    # Strict: "yes", 1 and "true" are not a judgment.
    agree: StrictBool = Field(False, description="The answer's verdict stands.")
    verdict: Verdict | None = Field(None, description="The verdict that stands instead.")
    note: str | None = Field(None, max_length=2000, description="Why, for the record.")

    @model_validator(mode="after")
    def _one_judgment(self) -> ReviewIn:
        if self.agree == (self.verdict is not None):
            raise ValueError("send either agree: true or a verdict that overrides the answer")
        if self.note is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in self.note):
            raise ValueError("note must not contain control characters")
        return self


class ReviewOut(BaseModel):
    id: str
    query_id: str
    created_at: datetime
    verdict: Verdict = Field(description="The verdict the review says stands.")
    agrees: bool = Field(description="Whether it is the answer's own verdict.")
    note: str | None
    reviewer: str = Field(description="Name of the API key that reviewed.")


class QueryRecordOut(QuerySummary):
    stance_model: str
    stance_model_checksum: str
    embedding_model: str
    index_checksum: str
    user_agent: str | None
    sequence: int = Field(description="Position in the audit trail's hash chain.")
    record_hash: str = Field(description="SHA-256 over this record and the one before it.")
    response: dict[str, Any] = Field(description="The answer exactly as the client received it.")
    reviews: list[ReviewOut] = Field(description="Editors' reviews, oldest first.")


class QueryPage(BaseModel):
    items: list[QuerySummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")


class EarlierCheckOut(BaseModel):
    """A reviewed answer: an editor's verdict on a claim, found again by what it claims."""

    query_id: str = Field(description="The reviewed query (GET /v1/queries/{query_id}).")
    claim: str
    verdict: Verdict = Field(description="The editor's verdict (the latest review's).")
    model_verdict: Verdict = Field(description="The answer the editor reviewed.")
    note: str | None
    reviewer: str
    reviewed_at: datetime
    language: str | None
    similarity: float = Field(description="Cosine similarity of the two claims' embeddings.")
    same_claim: bool = Field(
        description="Close enough to be the same claim: at FACTDESK_EARLIER_CHECKS_SAME_CLAIM_"
        "SIMILARITY or above, and no number, date or negation tells the two apart."
    )
    claimreview_url: str = Field(description="Its ClaimReview draft, to cite or publish.")


class EarlierCheckList(BaseModel):
    items: list[EarlierCheckOut] = Field(description="Closest first.")
