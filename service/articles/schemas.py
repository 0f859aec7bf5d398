"""Bodies of POST /v1/articles/check and GET /v1/articles/checks/{id}. Field names are a
contract: keep them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from service.problems import Problem
from service.verification import AsOf, VerifyResponse
from verify.verdict import Verdict

EXAMPLE_DRAFT = (
    "Putin arrived in Beijing on 16 May 2024 for a two-day state visit. "
    "It was his first trip abroad since his inauguration. What comes next is unclear."
)


class ArticleCheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_DRAFT}]}
    )

    text: str = Field(
        description="The draft: an article, a transcript, a press release. Every span in "
        "the answer slices exactly this text.",
        min_length=1,
        examples=[EXAMPLE_DRAFT],
    )
    # Strict: true and "5" are not a number of passages.
    top_k: StrictInt | None = Field(
        default=None,
        ge=1,
        le=50,
        description="How many passages to retrieve and judge per sentence (default: server "
        "setting).",
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description="The draft's language (ISO 639-1), instead of detecting it per sentence.",
        examples=["en"],
    )

    as_of: AsOf = None

    @field_validator("text", mode="before")
    @classmethod
    def _text_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("text must be a string")
        return check_draft_text(value)


def check_draft_text(value: str) -> str:
    """The draft as given (never stripped: the spans index into it), or ValueError."""
    if not value.strip():
        raise ValueError("text must not be empty or whitespace")
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters (is it a binary file?)")
    return value


class ArticleSentenceOut(BaseModel):
    start: int = Field(description="Character offset of the sentence in `text`.")
    end: int
    text: str = Field(description="Exactly the checked text[start:end].")
    checkworthiness: float = Field(
        ge=0.0, le=1.0, description="The check-worthiness model's probability of a claim."
    )
    check_worthy: bool = Field(
        description="At the model's threshold or above, and a statement (a heading, a "
        "caption or a question never is): verified below."
    )
    answer: VerifyResponse | None = Field(
        default=None,
        description="The verify answer for a check-worthy sentence, audited as a claim "
        "(GET /v1/queries/{answer.id}); null for the others.",
    )
    problem: Problem | None = Field(
        default=None,
        description="Why a check-worthy sentence has no answer (it does not read as a claim "
        "on its own, for instance).",
    )


class ArticleSummary(BaseModel):
    sentences: int
    check_worthy: int
    verified: int = Field(description="Check-worthy sentences with an answer.")
    verdicts: dict[Verdict, int] = Field(description="Answers per verdict (each verdict listed).")
    needs_review: int = Field(description="Answers an editor must look at before use.")


class CheckworthinessInfo(BaseModel):
    model: str = Field(
        description="The check-worthiness model (FACTDESK_ARTICLE_CHECKWORTHINESS_MODEL)."
    )
    threshold: float


class ArticleCheckResponse(BaseModel):
    id: str = Field(description="The article check's id in the audit trail.")
    text: str = Field(
        description="The text checked: the submitted one, or the text read from an upload; "
        "the spans index into it."
    )
    source: str | None = Field(description="The uploaded file's name; null for JSON.")
    sentences: list[ArticleSentenceOut] = Field(description="Every sentence, in order.")
    summary: ArticleSummary
    checkworthiness: CheckworthinessInfo
    took_ms: float
