"""Typed dependencies: routes reach the lifespan-built components only through these."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError

from factdesk.core.settings import Settings
from index.store import LoadedIndex
from service.audit.service import AuditService
from service.corpus.service import CorpusService
from service.metrics import Metrics
from service.runtime import Runtime
from service.verification import VerificationService


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_verification(request: Request) -> VerificationService:
    return _runtime(request).verification


def get_audit(request: Request) -> AuditService:
    return _runtime(request).audit


def get_index(request: Request) -> LoadedIndex:
    """The index of the version this process answers with now."""
    return _runtime(request).live.current.pipeline.index


def get_corpus(request: Request) -> CorpusService:
    return _runtime(request).corpus


def get_metrics(request: Request) -> Metrics:
    return _runtime(request).metrics


def get_settings(request: Request) -> Settings:
    return _runtime(request).settings


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


VerificationDep = Annotated[VerificationService, Depends(get_verification)]
AuditDep = Annotated[AuditService, Depends(get_audit)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
CorpusDep = Annotated[CorpusService, Depends(get_corpus)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
