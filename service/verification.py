"""Verification for the routes: off the event loop, batched with whatever else is waiting."""

from __future__ import annotations

from factdesk.wiring import Pipeline
from index.store import Manifest
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
        self.manifest: Manifest = pipeline.index.manifest

    async def verify(self, claim: str, top_k: int) -> Verification:
        # Refused here, not in the batch: one non-claim must not fail the claims batched with it.
        return await self._batcher.verify(check_claim(claim), top_k)

    def close(self) -> None:
        self._batcher.close()
