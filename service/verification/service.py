"""Verification for the routes: off the event loop, batched with whatever else is waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence

from factdesk.core.errors import InvalidInputError
from service.verification.batching import VerifyBatcher
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
        embedding_model: str,
        stance_identity: Mapping[str, str],
    ) -> None:
        self._batcher = batcher
        self._default_top_k = default_top_k
        self._max_batch_claims = max_batch_claims
        self.embedding_model = embedding_model
        # Computed once: it names the stance model and what the pipeline adds to it.
        self.stance_identity = dict(stance_identity)

    @property
    def queued_claims(self) -> int:
        return self._batcher.pending

    def request(self, claim: str, top_k: int | None, language: str | None) -> ClaimRequest:
        """The claim checked and its number of passages resolved: once, before it is queued,
        so one non-claim never fails the claims batched with it (NotAClaimError)."""
        return claim_request(claim, top_k, language, self._default_top_k)

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
