"""POST /v1/verify: judge a claim against the corpus; the answer is audited before it is sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from service.audit.models import QueryRecord
from service.components import Components
from service.dependencies import ComponentsDep
from service.problems import problem_responses
from service.schemas import CitationOut, IndexInfo, ModelsInfo, VerifyRequest, VerifyResponse
from verify.pipeline import Verification

router = APIRouter(prefix="/v1", tags=["verify"])


def _response(record_id: str, verification: Verification, components: Components) -> VerifyResponse:
    manifest = components.index.manifest
    return VerifyResponse(
        id=record_id,
        claim=verification.claim,
        verdict=verification.verdict,
        confidence=verification.confidence,
        citations=[
            CitationOut.model_validate(c, from_attributes=True) for c in verification.citations
        ],
        index=IndexInfo(
            checksum=manifest.checksum,
            embedding_model=manifest.embedding_model,
            index_type=manifest.index_type,
            count=manifest.count,
            corpus_fingerprint=manifest.corpus_fingerprint,
            built_at=manifest.built_at,
        ),
        models=ModelsInfo(embedding=components.embedding_model, stance=components.stance_identity),
        took_ms=verification.took_ms,
    )


@router.post(
    "/verify",
    response_model=VerifyResponse,
    summary="Verify a claim against the corpus",
    responses=problem_responses(413, 422, 503),
)
async def verify_claim(
    body: VerifyRequest, request: Request, components: ComponentsDep
) -> VerifyResponse:
    top_k = body.top_k or components.verifier.config.default_top_k
    verification = await components.verify(body.claim, top_k)
    record_id = str(uuid.uuid4())
    response = _response(record_id, verification, components)
    record = QueryRecord(
        id=record_id,
        created_at=datetime.now(UTC),
        claim=verification.claim,
        verdict=verification.verdict.value,
        confidence=verification.confidence,
        top_k=top_k,
        response=response.model_dump(mode="json"),
        stance_model=components.stance_identity.get("name", ""),
        stance_model_checksum=components.stance_identity.get("checksum", ""),
        embedding_model=components.embedding_model,
        index_checksum=components.index.manifest.checksum,
        latency_ms=verification.took_ms,
        request_id=request.state.request_id,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
    )
    # Committed before the response exists for the client; a failure here is a 503.
    await run_in_threadpool(components.repository.record, record)
    return response
