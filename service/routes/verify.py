"""POST /v1/verify and /v1/verify/batch: judge claims against the corpus; every answer is
audited before it is sent."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import FactdeskError, InvalidInputError
from service.audit.repository import AuditUnavailableError
from service.audit.service import AuditService
from service.auth import AuthenticatorDep, Caller, VerifyCaller
from service.dependencies import (
    AuditDep,
    MetricsDep,
    SettingsDep,
    VerificationDep,
    reject_unknown_query_parameters,
)
from service.metrics import Metrics
from service.problems import domain_problem, problem_responses
from service.schemas import (
    BatchItem,
    BatchVerifyRequest,
    BatchVerifyResponse,
    CitationOut,
    IndexInfo,
    ModelsInfo,
    ReasonOut,
    VerifyRequest,
    VerifyResponse,
)
from service.verification import VerificationService
from verify.verifier import ClaimRequest, Verification

router = APIRouter(
    prefix="/v1",
    tags=["verify"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
_REFUSALS = problem_responses(401, 403, 408, 413, 422, 429, 503)


class BatchTooLargeError(InvalidInputError):
    field = "body.claims"


def _response(
    record_id: str, verification: Verification, service: VerificationService
) -> VerifyResponse:
    manifest = verification.index
    if manifest is None:
        raise RuntimeError("a verification without the index that answered it")
    return VerifyResponse(
        id=record_id,
        claim=verification.claim,
        verdict=verification.verdict,
        confidence=verification.confidence,
        citations=[
            CitationOut.model_validate(c, from_attributes=True) for c in verification.citations
        ],
        reason=ReasonOut.model_validate(verification.reason, from_attributes=True),
        language=verification.language,
        index=IndexInfo(
            checksum=manifest.checksum,
            embedding_model=manifest.embedding_model,
            index_type=manifest.index_type,
            count=manifest.count,
            corpus_fingerprint=manifest.corpus_fingerprint,
            built_at=manifest.built_at,
            version=manifest.version,
        ),
        judge=verification.judge,
        models=ModelsInfo(embedding=service.embedding_model, stance=service.stance_identity),
        took_ms=verification.took_ms,
    )


async def _recorded(
    answer: Verification,
    top_k: int,
    request: Request,
    caller: Caller,
    verification: VerificationService,
    audit: AuditService,
    metrics: Metrics,
) -> VerifyResponse:
    """The answer as sent, committed to the audit trail first; a failed write is a 503."""
    response = _response(AuditService.new_record_id(), answer, verification)
    try:
        await run_in_threadpool(
            audit.record_answer,
            response,
            top_k,
            request.state.request_id,
            request.headers.get("user-agent"),
            caller.key_id,
            request.state.client_request_id,
        )
    except AuditUnavailableError:
        metrics.audit_failures.inc()
        raise
    metrics.verdicts.labels(response.verdict.value).inc()
    return response


@router.post(
    "/verify",
    response_model=VerifyResponse,
    summary="Verify a claim against the corpus",
    responses=_REFUSALS,
)
async def verify_claim(
    body: VerifyRequest,
    request: Request,
    caller: VerifyCaller,
    verification: VerificationDep,
    audit: AuditDep,
    metrics: MetricsDep,
) -> VerifyResponse:
    top_k = body.top_k or verification.default_top_k
    answer = await verification.verify(ClaimRequest(body.claim, top_k, body.language))
    return await _recorded(answer, top_k, request, caller, verification, audit, metrics)


@router.post(
    "/verify/batch",
    response_model=BatchVerifyResponse,
    summary="Verify several claims in one request (for bots)",
    description="Each claim is verified and audited on its own, as if sent to /v1/verify; "
    "one claim's problem (not a claim, an audit failure) stands in its place in `results` "
    "without failing the others. Each claim counts against the key's rate limit.",
    responses=_REFUSALS,
)
async def verify_batch(
    body: BatchVerifyRequest,
    request: Request,
    caller: VerifyCaller,
    authenticator: AuthenticatorDep,
    verification: VerificationDep,
    audit: AuditDep,
    metrics: MetricsDep,
    settings: SettingsDep,
) -> BatchVerifyResponse:
    started = time.perf_counter()
    limit = settings.http.max_batch_claims
    if len(body.claims) > limit:
        raise BatchTooLargeError(f"at most {limit} claims per batch; got {len(body.claims)}")
    authenticator.charge(caller, len(body.claims) - 1)  # the request itself counted one
    requests = [
        ClaimRequest(item.claim, item.top_k or verification.default_top_k, item.language)
        for item in body.claims
    ]
    answers = await verification.verify_each(requests)
    results: list[BatchItem] = []
    for position, (answer, claim) in enumerate(zip(answers, requests, strict=True)):
        top_k = claim.top_k or verification.default_top_k
        try:
            if isinstance(answer, Exception):
                raise answer
            response = await _recorded(answer, top_k, request, caller, verification, audit, metrics)
            results.append(BatchItem(answer=response))
        except FactdeskError as exc:
            results.append(BatchItem(problem=domain_problem(request, exc, f"claims.{position}.")))
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    return BatchVerifyResponse(results=results, took_ms=took_ms)
