"""Verification for the routes: off the event loop, batched with whatever else is waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence

from factdesk.wiring import Pipeline
from service.batching import VerifyBatcher
from verify.claim_text import check_claim
from verify.verifier import Verification


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

    async def verify(self, claim: str, top_k: int) -> Verification:
        # Refused here, not in the batch: one non-claim must not fail the claims batched with it.
        claim = check_claim(claim)
        self._batcher.admit(1)
        return await self._timed(claim, top_k)

    async def verify_each(
        self, requests: Sequence[tuple[str, int]]
    ) -> list[Verification | Exception]:
        """Verify every claim (they share model passes); a claim's own error stands in its
        place instead of failing the others. The queue must have room for all of them."""
        self._batcher.admit(len(requests))

        async def one(claim: str, top_k: int) -> Verification:
            return await self._timed(check_claim(claim), top_k)

        results = await asyncio.gather(
            *(one(claim, top_k) for claim, top_k in requests), return_exceptions=True
        )
        answers: list[Verification | Exception] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # a cancellation or an exit is never one item's answer
            answers.append(result)
        return answers

    async def _timed(self, claim: str, top_k: int) -> Verification:
        # took_ms is this claim's own time, its wait in the queue included, not its batch's.
        started = time.perf_counter()
        verification = await self._batcher.verify(claim, top_k)
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return dataclasses.replace(verification, took_ms=took_ms)

    def close(self) -> None:
        self._batcher.close()
