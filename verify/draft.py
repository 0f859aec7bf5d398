"""A draft once checked: each sentence's outcome, and the counts an editor reads first.

Shared by the service (POST /v1/articles/check), which verifies the claims through its
batching, and `factdesk check`, which verifies them in its own process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from factdesk.core.errors import FactdeskError
from verify.article import ArticleSentence
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
class DraftSummary:
    sentences: int
    check_worthy: int
    verified: int  # check-worthy sentences with an answer
    verdicts: dict[Verdict, int]  # answers per verdict, each verdict listed
    needs_review: int  # answers an editor must look at before use


@dataclass(frozen=True)
class CheckedDraft:
    outcomes: list[SentenceOutcome]  # every sentence, in order
    took_ms: float

    def summary(self) -> DraftSummary:
        answers = [o.verification for o in self.outcomes if o.verification is not None]
        counts = Counter(answer.verdict for answer in answers)
        return DraftSummary(
            sentences=len(self.outcomes),
            check_worthy=sum(o.sentence.check_worthy for o in self.outcomes),
            verified=len(answers),
            verdicts={verdict: counts.get(verdict, 0) for verdict in Verdict},
            needs_review=sum(answer.review is not None for answer in answers),
        )


def draft_claims(
    worthy: Sequence[ArticleSentence], request: Callable[[str], ClaimRequest]
) -> list[ClaimRequest | FactdeskError]:
    """Each check-worthy sentence as a claim to verify, or the problem it has as one (it
    does not read as a claim on its own): that sentence's, in its place."""
    claims: list[ClaimRequest | FactdeskError] = []
    for sentence in worthy:
        try:
            claims.append(request(sentence.text))
        except FactdeskError as exc:
            claims.append(exc)
    return claims


def checked_draft(
    sentences: Sequence[ArticleSentence],
    worthy: Sequence[ArticleSentence],
    claims: Sequence[ClaimRequest | FactdeskError],
    answers: Iterable[Verification | Exception],
    took_ms: float,
) -> CheckedDraft:
    """The outcome of every sentence, given the answers to ``claims``' requests in order; an
    error that is not one sentence's problem (a shutdown) is raised."""
    given = iter(answers)
    by_start: dict[int, SentenceOutcome] = {}
    for sentence, claim in zip(worthy, claims, strict=True):
        if isinstance(claim, FactdeskError):  # nothing was verified for it
            by_start[sentence.start] = SentenceOutcome(sentence, problem=claim)
            continue
        answer = next(given)
        if isinstance(answer, FactdeskError):
            by_start[sentence.start] = SentenceOutcome(sentence, claim=claim, problem=answer)
        elif isinstance(answer, Exception):
            raise answer
        else:
            by_start[sentence.start] = SentenceOutcome(sentence, answer, claim)
    outcomes = [by_start.get(s.start, SentenceOutcome(s)) for s in sentences]
    return CheckedDraft(outcomes, took_ms)
