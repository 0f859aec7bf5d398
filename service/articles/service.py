"""A draft checked whole, for the routes: read into sentences (off the event loop), the
check-worthy ones verified together through the shared batching, the answer assembled."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date

from starlette.concurrency import run_in_threadpool

from factdesk.core.settings import ArticleSettings
from service.verification import VerificationService
from verify.article import ArticleReader, ArticleSentence, DraftLimits
from verify.draft import CheckedDraft, checked_draft, draft_claims
from verify.trust import FULL_TRUST, PublisherTrust
from verify.verifier import ClaimRequest


class ArticleCheckService:
    def __init__(
        self,
        reader: ArticleReader,
        verification: VerificationService,
        limits: ArticleSettings,
    ) -> None:
        self._reader = reader
        self._verification = verification
        self._limits = DraftLimits(limits.max_sentences, limits.max_claims)
        self.checkworthiness_model = limits.checkworthiness_model
        self.threshold = reader.threshold

    async def read(self, text: str) -> list[ArticleSentence]:
        """Every sentence of ``text``, scored; a DraftError (before anything is verified)
        for a draft that cannot be checked whole: no sentence, too many, no claim."""
        sentences = await run_in_threadpool(self._reader.sentences, text)
        self._reader.worth_checking(sentences, self._limits)
        return sentences

    async def verify(
        self,
        sentences: Sequence[ArticleSentence],
        top_k: int | None,
        language: str | None,
        as_of: date | None = None,
        trust: PublisherTrust = FULL_TRUST,
    ) -> CheckedDraft:
        """The check-worthy ones of ``sentences`` (read by ``read``) verified together; one
        sentence's problem stands in its place."""
        started = time.perf_counter()
        worthy = self._reader.worth_checking(sentences, self._limits)
        claims = draft_claims(
            worthy,
            lambda text: self._verification.request(text, top_k, language, as_of, trust),
        )
        requests = [claim for claim in claims if isinstance(claim, ClaimRequest)]
        answers = await self._verification.verify_each(requests)
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return checked_draft(sentences, worthy, claims, answers, took_ms)
