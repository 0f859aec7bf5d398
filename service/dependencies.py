"""Typed dependencies: routes reach the lifespan-built components only through these."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from index.store import LoadedIndex
from service.audit.service import AuditService
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
    return _runtime(request).pipeline.index


VerificationDep = Annotated[VerificationService, Depends(get_verification)]
AuditDep = Annotated[AuditService, Depends(get_audit)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
