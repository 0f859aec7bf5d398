"""The queries domain's typed dependency (the audit trail), and who asked, as the trail
keeps it beside an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.keys import Caller
from service.queries.service import AuditService, RequestOrigin


def get_audit(request: Request) -> AuditService:
    audit: AuditService = request.app.state.runtime.audit
    return audit


AuditDep = Annotated[AuditService, Depends(get_audit)]


def request_origin(request: Request, caller: Caller) -> RequestOrigin:
    return RequestOrigin(
        request_id=request.state.request_id,
        client_request_id=request.state.client_request_id,
        user_agent=request.headers.get("user-agent"),
        key_id=caller.key_id,
    )
