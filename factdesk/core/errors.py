"""The root of factdesk's errors. Each class carries the HTTP status and problem type it is
answered with, so the service maps them in one place (service/problems.py) and the CLI
prints the same message in one line."""

from __future__ import annotations

from typing import ClassVar


class FactdeskError(Exception):
    """An error with a message meant for the person who caused it."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"  # the problem type's last path segment
    title: ClassVar[str] = "Internal error"
    # Where in the request the problem lies ("query.cursor"), for 4xx answers.
    field: ClassVar[str | None] = None

    @property
    def detail(self) -> str:
        """What the problem+json answer says; the message unless a class says otherwise."""
        return str(self)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (Retry-After, WWW-Authenticate)."""
        return {}


class InvalidInputError(FactdeskError, ValueError):
    """Input that cannot be used as given (a request field, a file, a setting)."""

    status = 422
    slug = "validation"
    title = "Invalid request"


class NotFoundError(FactdeskError, LookupError):
    status = 404
    slug = "not-found"
    title = "Not found"

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"{what} {identifier!r} not found")


class ConflictError(FactdeskError):
    """The request contradicts what is stored (a duplicate document, an id in use)."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class UnavailableError(FactdeskError):
    """A dependency (database, index) cannot serve the request now; retry later."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"
    # A database outage or a version still loading: worth trying again soon, not at once.
    retry_after_s: ClassVar[int] = 5

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class RetryLaterError(FactdeskError):
    """Refused for now (a rate limit, a full queue); the client may retry after a while."""

    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class BusyError(RetryLaterError):
    """The service has more work queued than it accepts; nothing of this request was done."""

    status = 503
    slug = "busy"
    title = "Service busy"
