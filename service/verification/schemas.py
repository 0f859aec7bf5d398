"""Bodies of POST /v1/verify and /v1/verify/batch. Field names are a contract: keep them."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
)

from service.problems import Problem
from service.queries import EarlierCheckOut
from verify.labels import Stance
from verify.review import ReviewReason
from verify.verdict import Reason, Verdict

EXAMPLE_CLAIM = "Power of Siberia 2 was agreed."
EXAMPLE_FILE = Path(__file__).resolve().parent / "openapi_example.json"
VERIFY_EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def _iso_day(value: Any) -> Any:
    # Pydantic would also take a number (seconds since 1970) or a date-time at midnight.
    if value is not None and not (isinstance(value, str) and _ISO_DAY.match(value)):
        raise ValueError("expected a day in ISO 8601, e.g. 2024-05-16")
    return value


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AsOf = Annotated[
    date | None,
    BeforeValidator(_iso_day),
    Field(
        description="Judge the claim as of this day (ISO 8601, e.g. 2024-05-16): evidence "
        "published after it is not used. Documents without a date are used.",
        examples=["2024-05-16"],
    ),
]


class VerifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"claim": EXAMPLE_CLAIM, "top_k": 5}]},
    )

    claim: str = Field(
        description="The claim to check, one sentence or a few.",
        min_length=1,
        max_length=2000,
        examples=[EXAMPLE_CLAIM],
    )
    # Strict: true and "5" are not a number of passages.
    top_k: StrictInt | None = Field(
        default=None,
        ge=1,
        le=50,
        description="How many passages to retrieve and judge (default: server setting).",
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description="The claim's language (ISO 639-1), instead of detecting it: a short "
        "claim is hard to place. A language no judge reads is answered NOT_ENOUGH_INFO "
        "(language_not_supported).",
        examples=["en"],
    )

    as_of: AsOf = None

    @field_validator("claim", mode="before")
    @classmethod
    def _claim_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("claim must be a string")
        if not value.strip():
            raise ValueError("claim must not be empty or whitespace")
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise ValueError("claim must not contain control characters (NUL and the like)")
        return value.strip()


class BatchVerifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"claims": [{"claim": EXAMPLE_CLAIM}, {"claim": "Xi visited Moscow."}]}]
        },
    )

    claims: list[VerifyRequest] = Field(
        min_length=1,
        description="Claims to verify, answered in the same order; at most the server's "
        "FACTDESK_MAX_BATCH_CLAIMS (32 by default).",
    )


class CitationOut(BaseModel):
    document_id: str
    title: str | None
    publisher: str | None
    url: str | None
    published_at: str | None = Field(
        validation_alias=AliasChoices("published_at", "published"),
        description="When the document was published, as given (ISO 8601); null if unknown.",
    )
    passage_id: str
    text: str = Field(description="Exactly document.text[start:end].")
    start: int = Field(description="Character offset of the evidence in the document.")
    end: int
    stance: Stance | None = Field(
        description="How the evidence bears on the claim; null for a sentence that states "
        "nothing (a heading, a caption, a question), which is cited for context only."
    )
    stance_probabilities: dict[str, float] = Field(
        description="The stance model's probabilities; empty when `stance` is null."
    )
    score: float = Field(description="Retrieval similarity of the passage to the claim.")
    decisive: bool = Field(description="The verdict rests on this evidence.")


class ReasonOut(BaseModel):
    code: Reason = Field(
        description="supported_by_evidence / refuted_by_evidence: the decisive citations' "
        "stance reached its threshold; refuted_by_check: an explicit check (`check`: "
        "polarity, i.e. a negation or antonym of the claim's words, or quantity, i.e. a "
        "number or date) contradicts the claim; conflicting_sources: documents disagree; "
        "no_relevant_evidence: nothing in the corpus is close to the claim; "
        "evidence_not_about_claim: the closest evidence is about other people, places or "
        "facts; judge_unsure: evidence about the claim, but no stance reached its threshold; "
        "language_not_supported: the claim is in a language the stance model does not read."
    )
    detail: str = Field(description="The same in words, for an editor.")
    check: str | None = Field(default=None, description="The explicit check that decided it.")


class IndexInfo(BaseModel):
    checksum: str
    embedding_model: str
    index_type: str
    count: int
    corpus_fingerprint: str
    built_at: str
    version: int | None = Field(
        default=None,
        description="The corpus version that answered: each document added, replaced or "
        "removed makes a new one (GET /v1/index/versions).",
    )


class ModelsInfo(BaseModel):
    embedding: str
    stance: dict[str, str]


class VerifyResponse(BaseModel):
    # A real answer over the sample corpus, written by `factdesk openapi --example`.
    model_config = ConfigDict(json_schema_extra={"examples": [VERIFY_EXAMPLE]})

    id: str
    claim: str
    verdict: Verdict
    confidence: float = Field(ge=0.0, le=1.0)
    citations: list[CitationOut]
    reason: ReasonOut
    needs_review: bool = Field(
        description="An editor must look before the answer is used: the judge abstained "
        "(NOT_ENOUGH_INFO), the sources conflict, or the confidence is below the threshold "
        "fitted for the stance model, above which its answers were right at least 90% of "
        "the time on the labelled claims it was fitted on (held-out figures: "
        "docs/BENCHMARKS.md). false: usable as it is."
    )
    review_reason: ReviewReason | None = Field(
        description="Why it needs review: low_confidence, conflict or abstention; null when "
        "`needs_review` is false."
    )
    language: str | None = Field(
        description="The claim's language (ISO 639-1), as sent or detected; a language the "
        "stance model does not read is answered NOT_ENOUGH_INFO with `language_not_supported`."
    )
    language_guessed: bool = Field(
        default=False,
        description="The claim was too short to place: `language` is a guess (the default "
        "language for a Latin-script claim; the likeliest language of its script otherwise, "
        "never English for Cyrillic, Han, Arabic or Devanagari). Send `language` to be sure.",
    )
    index: IndexInfo
    as_of: date | None = Field(
        default=None,
        description="The cut-off asked for: no evidence published after it was used (the "
        "corpus version that answered is `index.version`).",
    )
    judge: str | None = Field(
        default=None,
        description="The stance model that judged the claim: the English one, or the "
        "multilingual one for a claim in another language; null when none judged it.",
    )
    models: ModelsInfo
    earlier_checks: list[EarlierCheckOut] = Field(
        default_factory=list,
        description="Reviewed checks of the same claim (GET /v1/checks), closest first: an "
        "editor's earlier verdict to show beside this one. Empty when there is none.",
    )
    took_ms: float


class BatchItem(BaseModel):
    """One claim's outcome: its answer, or the problem that claim alone had."""

    answer: VerifyResponse | None = None
    problem: Problem | None = None


class BatchVerifyResponse(BaseModel):
    results: list[BatchItem] = Field(description="One per claim, in the order sent.")
    needs_review: int = Field(
        description="How many of the answers need an editor before use (`needs_review`)."
    )
    took_ms: float = Field(description="Time of the whole request.")
