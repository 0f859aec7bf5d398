"""POST /v1/verify and /v1/verify/batch: judge claims against the corpus; every answer is
audited before it is sent."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import FactdeskError
from service.keys import AuthenticatorDep, VerifyCaller
from service.operations import Metrics, MetricsDep
from service.problems import domain_problem, problem_responses
from service.publishers import PublisherTrustDep
from service.queries import (
    AnsweredClaim,
    AuditDep,
    AuditUnavailableError,
    EarlierCheckOut,
    RequestOrigin,
    request_origin,
)
from service.routing import reject_unknown_query_parameters
from service.verification.dependencies import VerificationDep
from service.verification.schemas import (
    BatchItem,
    BatchVerifyRequest,
    BatchVerifyResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.verification.service import VerificationService
from verify.verifier import ClaimRequest, Verification

router = APIRouter(
    prefix="/v1",
    tags=["verify"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
_REFUSALS = problem_responses(401, 403, 408, 413, 422, 429, 503)


async def _recorded(
    verification: Verification,
    claim: ClaimRequest,
    origin: RequestOrigin,
    service: VerificationService,
    audit: AuditDep,
    metrics: Metrics,
    earlier: list[EarlierCheckOut],
) -> VerifyResponse:
    """The answer as sent (with ``earlier``, the earlier checks of its claim), committed to
    the audit trail first; a failed write is a 503."""
    response = service.response(audit.new_record_id(), verification, earlier)
    answer = AnsweredClaim(response.id, verification, claim.top_k, response.model_dump(mode="json"))
    try:
        await run_in_threadpool(audit.record_answer, answer, origin)
    except AuditUnavailableError:
        metrics.audit_failures.inc()
        raise
    metrics.answered(
        response.verdict.value, response.review_reason and response.review_reason.value
    )
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
    trust: PublisherTrustDep,
) -> VerifyResponse:
    claim = verification.request(body.claim, body.top_k, body.language, body.as_of, trust)
    answer = await verification.verify(claim)
    origin = request_origin(request, caller)
    earlier = await run_in_threadpool(audit.earlier_checks, [answer.claim])
    return await _recorded(answer, claim, origin, verification, audit, metrics, earlier[0])


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
    trust: PublisherTrustDep,
) -> BatchVerifyResponse:
    started = time.perf_counter()
    verification.check_batch_size(len(body.claims))
    authenticator.charge_batch(caller, len(body.claims))
    claims: list[ClaimRequest | FactdeskError] = []
    for item in body.claims:
        try:
            claims.append(
                verification.request(item.claim, item.top_k, item.language, item.as_of, trust)
            )
        except FactdeskError as exc:  # this claim's problem, in its place
            claims.append(exc)
    checked = [claim for claim in claims if isinstance(claim, ClaimRequest)]
    verified = await verification.verify_each(checked)
    answers = iter(verified)
    origin = request_origin(request, caller)
    # One lookup for every answer's earlier checks; if it fails, each answer fails with it.
    claimed = [answer.claim for answer in verified if isinstance(answer, Verification)]
    earlier: Iterator[list[EarlierCheckOut]] = iter(())
    lookup_failed: FactdeskError | None = None
    try:
        earlier = iter(await run_in_threadpool(audit.earlier_checks, claimed))
    except FactdeskError as exc:
        lookup_failed = exc
    results: list[BatchItem] = []
    for position, claim in enumerate(claims):
        try:
            if isinstance(claim, Exception):
                raise claim
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            if lookup_failed is not None:
                raise lookup_failed
            response = await _recorded(
                answer, claim, origin, verification, audit, metrics, next(earlier)
            )
            results.append(BatchItem(answer=response))
        except FactdeskError as exc:
            results.append(BatchItem(problem=domain_problem(request, exc, f"claims.{position}.")))
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    waiting = sum(item.answer is not None and item.answer.needs_review for item in results)
    return BatchVerifyResponse(results=results, needs_review=waiting, took_ms=took_ms)
