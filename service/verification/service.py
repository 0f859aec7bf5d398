"""Verification for the routes: off the event loop, batched with whatever else is waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import date

from factdesk.core.errors import InvalidInputError
from service.queries import EarlierCheckOut
from service.verification.batching import VerifyBatcher
from service.verification.schemas import (
    CitationOut,
    IndexInfo,
    ModelsInfo,
    ReasonOut,
    VerifyResponse,
)
from verify.trust import FULL_TRUST, PublisherTrust
from verify.verifier import ClaimRequest, Verification, claim_request


class BatchTooLargeError(InvalidInputError):
    field = "body.claims"


class VerificationService:
    def __init__(
        self,
        batcher: VerifyBatcher,
        *,
        default_top_k: int,
        max_batch_claims: int,
        stance_identity: Mapping[str, str],
    ) -> None:
        self._batcher = batcher
        self._default_top_k = default_top_k
        self._max_batch_claims = max_batch_claims
        # Computed once: it names the stance model and what the pipeline adds to it.
        self.stance_identity = dict(stance_identity)

    def response(
        self,
        record_id: str,
        verification: Verification,
        earlier_checks: Sequence[EarlierCheckOut] = (),
    ) -> VerifyResponse:
        """The answer as sent for ``verification``, audited under ``record_id``, with the
        reviewed checks of the same claim."""
        manifest = verification.index
        return VerifyResponse(
            id=record_id,
            claim=verification.claim,
            verdict=verification.verdict,
            confidence=verification.confidence,
            citations=[
                CitationOut.model_validate(c, from_attributes=True) for c in verification.citations
            ],
            reason=ReasonOut.model_validate(verification.reason, from_attributes=True),
            needs_review=verification.review is not None,
            review_reason=verification.review,
            language=verification.language,
            language_guessed=verification.language_guessed,
            index=IndexInfo(
                checksum=manifest.checksum,
                embedding_model=manifest.embedding_model,
                index_type=manifest.index_type,
                count=manifest.count,
                corpus_fingerprint=manifest.corpus_fingerprint,
                built_at=manifest.built_at,
                version=manifest.version,
            ),
            as_of=verification.as_of,
            judge=verification.judge,
            # The embedder whose vectors found the evidence (a claim in another language:
            # the multilingual one's, over the same passages).
            models=ModelsInfo(embedding=manifest.embedding_model, stance=self.stance_identity),
            earlier_checks=list(earlier_checks),
            took_ms=verification.took_ms,
        )

    @property
    def queued_claims(self) -> int:
        return self._batcher.pending

    def request(
        self,
        claim: str,
        top_k: int | None,
        language: str | None,
        as_of: date | None = None,
        trust: PublisherTrust = FULL_TRUST,
    ) -> ClaimRequest:
        """The claim checked and its number of passages resolved: once, before it is queued,
        so one non-claim never fails the claims batched with it (NotAClaimError)."""
        return claim_request(claim, top_k, language, self._default_top_k, as_of, trust)

    def check_batch_size(self, claims: int) -> None:
        if claims > self._max_batch_claims:
            raise BatchTooLargeError(
                f"at most {self._max_batch_claims} claims per batch; got {claims}"
            )

    async def verify(self, request: ClaimRequest) -> Verification:
        self._batcher.admit(1)
        return await self._timed(request)

    async def verify_each(self, requests: Sequence[ClaimRequest]) -> list[Verification | Exception]:
        """Verify every claim (they share model passes); a claim's own error stands in its
        place instead of failing the others. The queue must have room for all of them."""
        self._batcher.admit(len(requests))
        results = await asyncio.gather(*map(self._timed, requests), return_exceptions=True)
        answers: list[Verification | Exception] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # a cancellation or an exit is never one item's answer
            answers.append(result)
        return answers

    async def _timed(self, request: ClaimRequest) -> Verification:
        # took_ms is this claim's own time, its wait in the queue included, not its batch's.
        started = time.perf_counter()
        verification = await self._batcher.verify(request)
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return dataclasses.replace(verification, took_ms=took_ms)

    def close(self) -> None:
        self._batcher.close()
