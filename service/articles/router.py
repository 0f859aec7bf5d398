"""POST /v1/articles/check: a whole draft checked at once; GET /v1/articles/checks/{id}:
a checked draft's answer again. The draft and its verified sentences are audited together
before the answer is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import NotFoundError
from index.corpus import READ_SUFFIXES, read_document_bytes
from service.articles.dependencies import ArticlesDep
from service.articles.schemas import (
    ArticleCheckRequest,
    ArticleCheckResponse,
    ArticleSentenceOut,
    ArticleSummary,
    CheckworthinessInfo,
    check_draft_text,
)
from service.articles.service import ArticleCheckService
from service.keys import AuthenticatorDep, ReadCaller, VerifyCaller
from service.operations import MetricsDep
from service.problems import domain_problem, problem_responses
from service.publishers import PublisherTrustDep
from service.queries import (
    AnsweredClaim,
    AuditDep,
    AuditUnavailableError,
    CheckedArticle,
    EarlierCheckOut,
    request_origin,
)
from service.routing import is_record_id, reject_unknown_query_parameters
from service.uploads import MULTIPART, UploadError, body_media_type, read_upload, validated_body
from service.verification import VerificationDep
from verify.draft import CheckedDraft

router = APIRouter(
    prefix="/v1/articles",
    tags=["articles"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
_FORM_FIELDS = ("top_k", "language", "as_of")
_CHECK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            # Inline: the route reads its body itself (JSON or a form).
            "application/json": {"schema": ArticleCheckRequest.model_json_schema()},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A " + ", ".join(READ_SUFFIXES) + " file: HTML "
                            "gives its article text, PDF its text layer; the answer returns "
                            "the text read, which the spans index into.",
                        },
                        "top_k": {"type": "string", "pattern": "^[0-9]{1,2}$"},
                        "language": {"type": "string", "pattern": "^[a-z]{2,3}$"},
                        "as_of": {"type": "string", "format": "date"},
                    },
                }
            },
        },
    }
}


async def _draft(request: Request) -> tuple[ArticleCheckRequest, str | None]:
    """The draft a request carries (JSON, or an uploaded file read to text) and the file's
    name; a 422 naming the field for anything else."""
    if body_media_type(request) != MULTIPART:
        return validated_body(ArticleCheckRequest, await request.body()), None
    upload = await read_upload(request, _FORM_FIELDS)
    text, _metadata = await run_in_threadpool(read_document_bytes, Path(upload.name), upload.data)
    try:
        check_draft_text(text)
    except ValueError as exc:
        raise UploadError(f"{upload.name}: {exc}") from exc
    fields: dict[str, Any] = dict(upload.fields)
    if fields.get("top_k", "").isdigit():  # a form sends every value as text
        fields["top_k"] = int(fields["top_k"])
    return validated_body(ArticleCheckRequest, {**fields, "text": text}), upload.name


@router.post(
    "/check",
    response_model=ArticleCheckResponse,
    summary="Check a whole draft: its check-worthy sentences, each verified",
    description="JSON `{text}` or a multipart upload of a " + ", ".join(READ_SUFFIXES) + " "
    "file. Every sentence comes back with its exact span and check-worthiness; each "
    "check-worthy one is verified and audited as a claim (linked to this check), and the "
    "draft is audited with them, all or nothing. Each verified sentence counts against the "
    "key's rate limit as one claim. A draft with no check-worthy sentence is a 422 "
    "(`no-check-worthy-claims`): nothing is verified or audited.",
    openapi_extra=_CHECK_BODY,
    responses=problem_responses(401, 403, 408, 413, 422, 429, 503),
)
async def check_article(
    request: Request,
    caller: VerifyCaller,
    authenticator: AuthenticatorDep,
    articles: ArticlesDep,
    verification: VerificationDep,
    audit: AuditDep,
    metrics: MetricsDep,
    trust: PublisherTrustDep,
) -> ArticleCheckResponse:
    body, source = await _draft(request)
    sentences = await articles.read(body.text)
    authenticator.charge_draft(caller, sum(s.check_worthy for s in sentences))
    checked = await articles.verify(sentences, body.top_k, body.language, body.as_of, trust)
    claims = [o.verification.claim for o in checked.outcomes if o.verification is not None]
    earlier = iter(await run_in_threadpool(audit.earlier_checks, claims))
    response, answers = _response(
        request, audit.new_record_id(), body.text, source, checked, earlier, articles,
        verification, audit,
    )  # fmt: skip
    article = CheckedArticle(
        record_id=response.id,
        text=body.text,
        source=source,
        check_worthy=response.summary.check_worthy,
        sent=response.model_dump(mode="json"),
        took_ms=response.took_ms,
        answers=answers,
    )
    try:
        await run_in_threadpool(audit.record_article, article, request_origin(request, caller))
    except AuditUnavailableError:
        metrics.audit_failures.inc()
        raise
    metrics.article_checks.inc()
    metrics.article_sentences.observe(len(answers))
    for answer in answers:
        review = answer.verification.review
        metrics.answered(answer.verification.verdict.value, review and review.value)
    return response


def _response(
    request: Request,
    record_id: str,
    text: str,
    source: str | None,
    checked: CheckedDraft,
    earlier: Iterator[list[EarlierCheckOut]],
    articles: ArticleCheckService,
    verification: VerificationDep,
    audit: AuditDep,
) -> tuple[ArticleCheckResponse, list[AnsweredClaim]]:
    """The answer as sent, and the sentences' answers as the audit trail keeps them."""
    sentences: list[ArticleSentenceOut] = []
    answers: list[AnsweredClaim] = []
    for outcome in checked.outcomes:
        sentence = outcome.sentence
        out = ArticleSentenceOut(
            start=sentence.start,
            end=sentence.end,
            text=sentence.text,
            checkworthiness=sentence.checkworthiness,
            check_worthy=sentence.check_worthy,
        )
        if outcome.verification is not None and outcome.claim is not None:
            out.answer = verification.response(
                audit.new_record_id(), outcome.verification, next(earlier)
            )
            sent = out.answer.model_dump(mode="json")
            answers.append(
                AnsweredClaim(out.answer.id, outcome.verification, outcome.claim.top_k, sent)
            )
        elif outcome.problem is not None:
            out.problem = domain_problem(request, outcome.problem, f"sentences.{len(sentences)}.")
        sentences.append(out)
    response = ArticleCheckResponse(
        id=record_id,
        text=text,
        source=source,
        sentences=sentences,
        summary=ArticleSummary.model_validate(checked.summary(), from_attributes=True),
        checkworthiness=CheckworthinessInfo(
            model=articles.checkworthiness_model, threshold=articles.threshold
        ),
        took_ms=checked.took_ms,
    )
    return response, answers


@router.get(
    "/checks/{check_id}",
    response_model=ArticleCheckResponse,
    summary="A checked draft's answer, exactly as it was given",
    description="Another key's check is a 404 for a key without `admin`, as if absent.",
    responses=problem_responses(401, 403, 404, 429, 503),
)
async def get_article_check(
    check_id: str, audit: AuditDep, caller: ReadCaller
) -> ArticleCheckResponse:
    found = await run_in_threadpool(audit.get_article, check_id) if is_record_id(check_id) else None
    if found is None or not (caller.sees_every_query or found[1] == caller.key_id):
        raise NotFoundError("article check", check_id)
    return ArticleCheckResponse.model_validate(found[0])
