"""Verification for the routes: off the event loop, batched with whatever else is waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence

from factdesk.wiring import Pipeline
from service.batching import VerifyBatcher
from verify.claim_text import check_claim
from verify.verifier import ClaimRequest, Verification


class VerificationService:
    def __init__(self, pipeline: Pipeline, batcher: VerifyBatcher) -> None:
        self._batcher = batcher
        self.default_top_k = pipeline.verifier.config.default_top_k
        self.embedding_model = pipeline.embedder.name
        # Computed once: it names the stance model and what the pipeline adds to it.
        self.stance_identity = pipeline.verifier.stance_identity

    @property
    def queued_claims(self) -> int:
        return self._batcher.pending

    async def verify(self, request: ClaimRequest) -> Verification:
        # Refused here, not in the batch: one non-claim must not fail the claims batched with it.
        request = request._replace(claim=check_claim(request.claim))
        self._batcher.admit(1)
        return await self._timed(request)

    async def verify_each(self, requests: Sequence[ClaimRequest]) -> list[Verification | Exception]:
        """Verify every claim (they share model passes); a claim's own error stands in its
        place instead of failing the others. The queue must have room for all of them."""
        self._batcher.admit(len(requests))

        async def one(request: ClaimRequest) -> Verification:
            return await self._timed(request._replace(claim=check_claim(request.claim)))

        results = await asyncio.gather(*(one(r) for r in requests), return_exceptions=True)
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
