"""A draft checked whole, for the routes: read into sentences (off the event loop), the
check-worthy ones verified together through the shared batching, the answer assembled."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import FactdeskError
from factdesk.core.settings import ArticleSettings
from service.verification.service import VerificationService
from verify.article import ArticleReader, ArticleSentence, DraftLimits
from verify.verdict import Verdict
from verify.verifier import ClaimRequest, Verification


@dataclass(frozen=True)
class SentenceOutcome:
    """One sentence of a draft: its answer when it was check-worthy and verified, or the
    problem that sentence alone had."""

    sentence: ArticleSentence
    verification: Verification | None = None
    claim: ClaimRequest | None = None
    problem: FactdeskError | None = None


@dataclass(frozen=True)
class CheckedDraft:
    outcomes: list[SentenceOutcome]
    took_ms: float

    def summary(self) -> dict[str, object]:
        answers = [o.verification for o in self.outcomes if o.verification is not None]
        counts = Counter(answer.verdict for answer in answers)
        return {
            "sentences": len(self.outcomes),
            "check_worthy": sum(o.sentence.check_worthy for o in self.outcomes),
            "verified": len(answers),
            "verdicts": {verdict: counts.get(verdict, 0) for verdict in Verdict},
            "needs_review": sum(answer.review is not None for answer in answers),
        }


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
        self, sentences: Sequence[ArticleSentence], top_k: int | None, language: str | None
    ) -> CheckedDraft:
        """The check-worthy ones of ``sentences`` (read by ``read``) verified together; one
        sentence's problem stands in its place."""
        started = time.perf_counter()
        worthy = self._reader.worth_checking(sentences, self._limits)
        claims: list[ClaimRequest | FactdeskError] = []
        for sentence in worthy:
            try:
                claims.append(self._verification.request(sentence.text, top_k, language))
            except FactdeskError as exc:
                claims.append(exc)
        requests = [claim for claim in claims if isinstance(claim, ClaimRequest)]
        answers = iter(await self._verification.verify_each(requests))
        by_start: dict[int, SentenceOutcome] = {}
        for sentence, claim in zip(worthy, claims, strict=True):
            by_start[sentence.start] = _outcome(sentence, claim, answers)
        outcomes = [by_start.get(s.start, SentenceOutcome(s)) for s in sentences]
        return CheckedDraft(outcomes, round((time.perf_counter() - started) * 1000, 2))


def _outcome(
    sentence: ArticleSentence,
    claim: ClaimRequest | FactdeskError,
    answers: Iterator[Verification | Exception],
) -> SentenceOutcome:
    if isinstance(claim, FactdeskError):  # not a claim on its own: nothing was verified
        return SentenceOutcome(sentence, problem=claim)
    answer = next(answers)
    if isinstance(answer, FactdeskError):
        return SentenceOutcome(sentence, claim=claim, problem=answer)
    if isinstance(answer, Exception):
        raise answer  # not one sentence's problem: the whole request's
    return SentenceOutcome(sentence, answer, claim)
