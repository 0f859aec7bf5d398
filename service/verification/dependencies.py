"""The verification domain's typed dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.verification.service import VerificationService


def get_verification(request: Request) -> VerificationService:
    verification: VerificationService = request.app.state.runtime.verification
    return verification


VerificationDep = Annotated[VerificationService, Depends(get_verification)]
