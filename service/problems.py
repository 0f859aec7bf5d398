"""The one place where errors become RFC 9457 problem+json responses.

Domain errors derive from ``factdesk.core.errors.FactdeskError`` and carry their status,
type and title; one handler answers all of them. Framework errors (validation, unknown
routes, oversized bodies) get the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from factdesk.core.errors import FactdeskError

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://factdesk.invalid/problems/"
log = logging.getLogger("factdesk")


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


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FactdeskError)
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    errors = [FieldError(field=exc.field, message=str(exc))] if exc.field else None
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, errors)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(FactdeskError, _domain)


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
