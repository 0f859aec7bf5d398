"""The one place where errors become RFC 9457 problem+json responses.

Domain errors derive from ``factdesk.core.errors.FactdeskError`` and carry their status,
type and title; one handler answers all of them. Framework errors (validation, unknown
routes, oversized bodies) get the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from factdesk.core.errors import FactdeskError, RetryLaterError

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
    headers: dict[str, str] | None = None,
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
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def domain_problem(request: Request, exc: FactdeskError, field_prefix: str = "") -> Problem:
    """The problem a domain error is answered with; ``field_prefix`` places it in a batch."""
    field = exc.field and exc.field.replace("body.", f"body.{field_prefix}", 1)
    return Problem(
        type=_TYPE_BASE + exc.slug,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=[FieldError(field=field, message=str(exc))] if field else None,
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
    titles = {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        413: "Payload too large",
    }
    detail = str(exc.detail)
    if exc.status_code == 400 and "parsing the body" in detail:
        # Starlette's answer to a body that is not UTF-8: the same problem as malformed JSON.
        error = FieldError(field="body", message="the body is not UTF-8 encoded JSON")
        return problem_response(
            request, 422, "validation", "Invalid request", "invalid: body", [error]
        )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(
        request,
        exc.status_code,
        f"http-{exc.status_code}",
        titles.get(exc.status_code, "HTTP error"),
        detail,
        headers=headers,
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path: Starlette's own 405 names only the first
    route's (GET /v1/documents, not POST beside it)."""
    methods: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _domain_handler(on_refused: Callable[[str], None] | None) -> Any:
    async def _domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FactdeskError)
        if isinstance(exc, RetryLaterError) and on_refused is not None:
            on_refused(exc.slug)  # a rate limit or a full queue, before any work was done
        elif exc.status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        errors = [FieldError(field=exc.field, message=str(exc))] if exc.field else None
        return problem_response(
            request, exc.status, exc.slug, exc.title, exc.detail, errors, exc.headers
        )

    return _domain


def install_problem_handlers(app: FastAPI, on_refused: Callable[[str], None] | None = None) -> None:
    """``on_refused`` hears the slug of every request refused for now (429, busy 503)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(FactdeskError, _domain_handler(on_refused))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem+json bodies for these statuses."""
    descriptions = {
        400: "The Host header names a host this service does not serve.",
        401: "No API key, or one that is unknown or revoked (`Authorization: Bearer KEY`).",
        403: "The API key lacks the scope this route needs.",
        404: "Unknown id.",
        408: "The request body did not arrive in time.",
        409: "Conflicts with what is stored: the same text is already a document, or the id "
        "is taken (PUT replaces).",
        429: "Rate limit of the API key reached; retry after `Retry-After` seconds.",
        413: "Request body too large.",
        422: "Invalid request; `errors` names each field.",
        503: "Not ready, busy (retry after `Retry-After` seconds), or the audit record could "
        "not be written.",
    }
    return {
        status: {
            "description": descriptions[status],
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
