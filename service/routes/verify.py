"""POST /v1/verify: judge a claim against the corpus; the answer is audited before it is sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from service.audit.service import AuditService
from service.dependencies import AuditDep, VerificationDep
from service.problems import problem_responses
from service.schemas import (
    CitationOut,
    IndexInfo,
    ModelsInfo,
    ReasonOut,
    VerifyRequest,
    VerifyResponse,
)
from service.verification import VerificationService
from verify.verifier import Verification

router = APIRouter(prefix="/v1", tags=["verify"])


def _response(
    record_id: str, verification: Verification, service: VerificationService
) -> VerifyResponse:
    manifest = service.manifest
    return VerifyResponse(
        id=record_id,
        claim=verification.claim,
        verdict=verification.verdict,
        confidence=verification.confidence,
        citations=[
            CitationOut.model_validate(c, from_attributes=True) for c in verification.citations
        ],
        reason=ReasonOut.model_validate(verification.reason, from_attributes=True),
        index=IndexInfo(
            checksum=manifest.checksum,
            embedding_model=manifest.embedding_model,
            index_type=manifest.index_type,
            count=manifest.count,
            corpus_fingerprint=manifest.corpus_fingerprint,
            built_at=manifest.built_at,
        ),
        models=ModelsInfo(embedding=service.embedding_model, stance=service.stance_identity),
        took_ms=verification.took_ms,
    )


@router.post(
    "/verify",
    response_model=VerifyResponse,
    summary="Verify a claim against the corpus",
    responses=problem_responses(413, 422, 503),
)
async def verify_claim(
    body: VerifyRequest, request: Request, verification: VerificationDep, audit: AuditDep
) -> VerifyResponse:
    top_k = body.top_k or verification.default_top_k
    answer = await verification.verify(body.claim, top_k)
    response = _response(AuditService.new_record_id(), answer, verification)
    # Committed before the response exists for the client; a failure here is a 503.
    await run_in_threadpool(
        audit.record_answer,
        response,
        top_k,
        request.state.request_id,
        request.headers.get("user-agent"),
    )
    return response
