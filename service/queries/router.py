"""The audit trail over HTTP: one record, or a filtered, paginated list (newest first);
the reviewed ones found again by what they claim (GET /v1/checks)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BeforeValidator
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import NotFoundError
from service.keys import Caller, ReadCaller
from service.problems import problem_responses
from service.queries.dependencies import AuditDep
from service.queries.repository import QueryFilter, record_fields
from service.queries.schemas import (
    EarlierCheckList,
    QueryPage,
    QueryRecordOut,
    QuerySummary,
    ReviewIn,
    ReviewOut,
)
from service.queries.tables import QueryRecord
from service.routing import is_record_id, reject_unknown_query_parameters
from verify.verdict import Verdict

router = APIRouter(
    prefix="/v1/queries",
    tags=["audit"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_8601(value: Any) -> Any:
    # Pydantic would also take a number of seconds ("0.5"); a date filter must look like one.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date or date-time, e.g. 2024-05-16T00:00:00Z")
    return value


def _representable_in_utc(moment: datetime) -> datetime:
    try:
        return moment if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise ValueError("date-time is out of range once converted to UTC") from exc


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_representable_in_utc)]


@router.get(
    "",
    response_model=QueryPage,
    summary="List audited verifications, newest first",
    description="A key with the `read` scope sees its own queries; `admin` sees every key's.",
    responses=problem_responses(401, 403, 422, 429, 503),
)
async def list_queries(
    audit: AuditDep,
    caller: ReadCaller,
    verdict: Annotated[Verdict | None, Query(description="Only this verdict.")] = None,
    needs_review: Annotated[
        bool | None,
        Query(description="Only answers that said an editor must look (true), or not (false)."),
    ] = None,
    reviewed: Annotated[
        bool | None,
        Query(description="Only answers an editor has reviewed (true), or not yet (false)."),
    ] = None,
    since: Annotated[
        IsoDateTime | None, Query(description="Created at or after (ISO 8601).")
    ] = None,
    until: Annotated[IsoDateTime | None, Query(description="Created before (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(description="`next_cursor` of the previous page; empty: the first page."),
    ] = None,
) -> QueryPage:
    filters = QueryFilter(
        verdict=verdict.value if verdict else None,
        since=since,
        until=until,
        key_id=None if caller.sees_every_query else caller.key_id,
        needs_review=needs_review,
        reviewed=reviewed,
    )
    rows, next_cursor = await run_in_threadpool(audit.list, filters, limit, cursor)
    return QueryPage(
        items=[QuerySummary.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/{query_id}",
    response_model=QueryRecordOut,
    summary="One audited verification, with the full answer as given",
    description="Another key's query is a 404 for a key without `admin`, as if absent.",
    responses=problem_responses(401, 403, 404, 429, 503),
)
async def get_query(query_id: str, audit: AuditDep, caller: ReadCaller) -> QueryRecordOut:
    record = await _visible_record(query_id, audit, caller)
    reviews = await run_in_threadpool(audit.reviews, record.id)
    return QueryRecordOut.model_validate(
        {
            **record_fields(record),
            "reviewed_verdict": reviews[-1].verdict if reviews else None,
            "response": record.response,
            "reviews": [ReviewOut.model_validate(r, from_attributes=True) for r in reviews],
        }
    )


async def _visible_record(query_id: str, audit: AuditDep, caller: Caller) -> QueryRecord:
    """The record if this caller may see it; 404 as if absent otherwise."""
    record = await run_in_threadpool(audit.get, query_id) if is_record_id(query_id) else None
    if record is None or not (caller.sees_every_query or record.key_id == caller.key_id):
        raise NotFoundError("query", query_id)
    return record


@router.post(
    "/{query_id}/reviews",
    response_model=ReviewOut,
    status_code=201,
    summary="Review an answer: agree with its verdict, or override it",
    description="A key with `read` reviews its own queries; `admin` any. The latest review "
    "is the verdict that stands (in the ClaimReview and in `eval claims --from-reviews`).",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def review_query(
    query_id: str, body: ReviewIn, audit: AuditDep, caller: ReadCaller
) -> ReviewOut:
    record = await _visible_record(query_id, audit, caller)
    verdict = body.verdict.value if body.verdict is not None else record.verdict
    review = await run_in_threadpool(
        audit.review, record, verdict, body.note, caller.name, caller.key_id
    )
    return ReviewOut.model_validate(review, from_attributes=True)


@router.get(
    "/{query_id}/claimreview",
    summary="A schema.org ClaimReview (JSON-LD) draft of the answer",
    description="`reviewRating` is the latest review's verdict, else the answer's; "
    "`datePublished` is there only once the answer has been reviewed; `author` is "
    "FACTDESK_PUBLISHER_NAME.",
    response_class=JSONResponse,
    responses={
        200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}},
        **problem_responses(401, 403, 404, 429, 503),
    },
)
async def get_claim_review(query_id: str, audit: AuditDep, caller: ReadCaller) -> JSONResponse:
    record = await _visible_record(query_id, audit, caller)
    document = await run_in_threadpool(audit.claim_review, record)
    return JSONResponse(document, media_type="application/ld+json")


checks_router = APIRouter(
    prefix="/v1/checks",
    tags=["audit"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)


@checks_router.get(
    "",
    response_model=EarlierCheckList,
    summary="Earlier checks: reviewed claims closest to a text",
    description="A reviewed query is a check: an editor's verdict on a claim. Ranked by how "
    "closely their claims match `query` (embedding similarity); `same_claim` marks those "
    "close enough to be the same claim, which every verify answer carries as "
    "`earlier_checks`. Every key with `read` sees the newsroom's checks.",
    responses=problem_responses(401, 403, 422, 429, 503),
)
async def list_checks(
    audit: AuditDep,
    _caller: ReadCaller,
    query: Annotated[str, Query(min_length=1, max_length=2000, description="The claim to match.")],
    language: Annotated[
        str | None,
        Query(pattern=r"^[a-z]{2,3}$", description="Only checks of claims in this language."),
    ] = None,
    max_age_days: Annotated[
        int | None, Query(ge=1, le=36500, description="Only checks reviewed this recently.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> EarlierCheckList:
    if not query.strip():
        raise RequestValidationError(
            [{"loc": ("query", "query"), "msg": "must not be whitespace", "type": "value_error"}]
        )
    items = await run_in_threadpool(audit.search_checks, query, limit, language, max_age_days)
    return EarlierCheckList(items=items)
