"""The one place where errors become RFC 9457 problem+json responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.audit.repository import AuditUnavailableError, InvalidCursorError

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://factdesk.invalid/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. 'body.claim' or 'query.limit'.")
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class NotFoundError(Exception):
    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"{what} {identifier!r} not found")


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=_TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE
    )


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            field=_location(tuple(e["loc"])), message=str(e["msg"]).removeprefix("Value error, ")
        )
        for e in exc.errors()
    ]
    fields = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        request, 422, "validation", "Invalid request", f"invalid: {fields}", errors
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
    return problem_response(
        request,
        exc.status_code,
        f"http-{exc.status_code}",
        titles.get(exc.status_code, "HTTP error"),
        str(exc.detail),
    )


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 404, "not-found", "Not found", str(exc))


async def _bad_cursor(request: Request, exc: Exception) -> JSONResponse:
    errors = [FieldError(field="query.cursor", message=str(exc))]
    return problem_response(request, 422, "validation", "Invalid request", str(exc), errors)


async def _audit_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        503,
        "audit-unavailable",
        "Audit trail unavailable",
        "the answer could not be recorded in the audit trail, so it is not given; retry later",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(InvalidCursorError, _bad_cursor)
    app.add_exception_handler(AuditUnavailableError, _audit_unavailable)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem+json bodies for these statuses."""
    descriptions = {
        404: "Unknown id.",
        413: "Request body too large.",
        422: "Invalid request; `errors` names each field.",
        503: "Not ready, or the audit record could not be written.",
    }
    return {
        status: {
            "description": descriptions[status],
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
