"""What every domain's router shares: refusing query parameters no route declares, and
telling an id this service issued from anything else."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError


def _query_parameters(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_parameters(sub)
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """A mistyped filter (`verdit=REFUTED`) is a 422, not silently the unfiltered list."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    known = _query_parameters(dependant) if isinstance(dependant, Dependant) else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "unknown query parameter", "type": "extra"}
                for name in unknown
            ]
        )


_RECORD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_record_id(identifier: str) -> bool:
    """Whether ``identifier`` is shaped like the ids of audit records (UUIDs): anything else
    (a NUL byte, which PostgreSQL refuses) is answered 404 without a database read."""
    return _RECORD_ID.match(identifier) is not None
