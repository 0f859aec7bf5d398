"""The queries domain's typed dependency: the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.queries.service import AuditService


def get_audit(request: Request) -> AuditService:
    audit: AuditService = request.app.state.runtime.audit
    return audit


AuditDep = Annotated[AuditService, Depends(get_audit)]
