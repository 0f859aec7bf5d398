"""The audit trail over HTTP: one record, or a filtered, paginated list (newest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import NotFoundError
from service.audit.repository import QueryFilter, record_fields
from service.dependencies import AuditDep
from service.problems import problem_responses
from service.schemas import QueryPage, QueryRecordOut, QuerySummary
from verify.verdict import Verdict

router = APIRouter(prefix="/v1/queries", tags=["audit"])


@router.get(
    "",
    response_model=QueryPage,
    summary="List audited verifications, newest first",
    responses=problem_responses(422, 503),
)
async def list_queries(
    audit: AuditDep,
    verdict: Annotated[Verdict | None, Query(description="Only this verdict.")] = None,
    since: Annotated[datetime | None, Query(description="Created at or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Created before (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> QueryPage:
    filters = QueryFilter(verdict=verdict.value if verdict else None, since=since, until=until)
    records, next_cursor = await run_in_threadpool(audit.list, filters, limit, cursor)
    return QueryPage(
        items=[QuerySummary.model_validate(record_fields(r)) for r in records],
        next_cursor=next_cursor,
    )


@router.get(
    "/{query_id}",
    response_model=QueryRecordOut,
    summary="One audited verification, with the full answer as given",
    responses=problem_responses(404, 503),
)
async def get_query(query_id: str, audit: AuditDep) -> QueryRecordOut:
    record = await run_in_threadpool(audit.get, query_id)
    if record is None:
        raise NotFoundError("query", query_id)
    return QueryRecordOut.model_validate({**record_fields(record), "response": record.response})
