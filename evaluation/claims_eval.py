"""``factdesk eval claims``: verdict accuracy, citation hit rate and latency on labelled claims.

A citation "hits" when its span overlaps the span of a gold evidence quote in the same
document. The hit rate is over claims that have gold evidence: the share with at least one
hit among the returned citations.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from evaluation.calibration import Prediction
from evaluation.claims import LabelledClaim, find_quote
from evaluation.metrics import ClassificationReport, classification_report
from evaluation.review import CoveragePoint, used_as_they_are
from index.corpus import Document
from verify.verdict import VERDICTS, Verdict
from verify.verifier import Verification

# (claim) -> response body shaped like POST /v1/verify's
VerifyFunction = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class ClaimOutcome:
    claim: LabelledClaim
    verdict: str
    confidence: float
    reason: str  # the answer's reason code
    needs_review: bool  # the answer said an editor must look
    citation_hit: bool | None  # None when the claim has no gold evidence
    latency_ms: float
    language: str | None = None  # the claim's, as the answer gave it


@dataclass(frozen=True)
class ClaimsEvalResult:
    report: ClassificationReport
    citation_hit_rate: float
    citation_claims: int
    latency_ms: dict[str, float]
    outcomes: list[ClaimOutcome]

    @property
    def used_as_is(self) -> CoveragePoint:
        """The answers that said they need no review: how often right, how many claims."""
        predictions = [
            Prediction(Verdict(o.claim.label), Verdict(o.verdict), o.confidence)
            for o in self.outcomes
        ]
        return used_as_they_are(predictions, [not o.needs_review for o in self.outcomes])

    def as_dict(self) -> dict[str, object]:
        return {
            **self.report.as_dict(),
            "citation_hit_rate": self.citation_hit_rate,
            "citation_claims": self.citation_claims,
            "not_needing_review": {
                "answers": self.used_as_is.used,
                "right": self.used_as_is.right,
                "precision": self.used_as_is.precision,
                "coverage": self.used_as_is.coverage,
            },
            "latency_ms": self.latency_ms,
            "claims": [
                {
                    "id": o.claim.id,
                    "gold": o.claim.label,
                    "verdict": o.verdict,
                    "confidence": o.confidence,
                    "needs_review": o.needs_review,
                    "citation_hit": o.citation_hit,
                    "latency_ms": o.latency_ms,
                    "language": o.language,
                }
                for o in self.outcomes
            ],
        }

    def format(self) -> str:
        lat = self.latency_ms
        return "\n".join(
            [
                self.report.format(),
                "",
                f"citation hit rate: {self.citation_hit_rate:.4f} "
                f"({self.citation_claims} claims with gold evidence)",
                f"answers not needing review {self.used_as_is.format()}",
                f"latency ms: p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  "
                f"p99 {lat['p99']:.1f}  max {lat['max']:.1f}",
            ]
        )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100])."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def gold_spans(claim: LabelledClaim, documents: dict[str, Document]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for document_id, quote in claim.evidence:
        document = documents.get(document_id)
        span = find_quote(document, quote) if document is not None else None
        if span is not None:
            spans.append((document_id, span[0], span[1]))
    return spans


def _hit(citations: Sequence[dict[str, Any]], spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(
        c["document_id"] == doc and c["start"] < end and c["end"] > start
        for c in citations
        for doc, start, end in spans
    )


def as_answer(verification: Verification) -> dict[str, Any]:
    """A verification in the body shape of POST /v1/verify (the fields evaluation reads)."""
    return {
        "verdict": verification.verdict.value,
        "confidence": verification.confidence,
        "citations": [
            {**vars(c), "stance": c.stance.value if c.stance else None}
            for c in verification.citations
        ],
        "reason": {**vars(verification.reason), "code": verification.reason.code.value},
        "needs_review": verification.review is not None,
        "review_reason": verification.review.value if verification.review else None,
        "language": verification.language,
        "took_ms": verification.took_ms,
    }


def evaluate_claims(
    claims: Sequence[LabelledClaim],
    documents: Sequence[Document],
    verify: VerifyFunction,
    progress: Callable[[int, int], None] | None = None,
) -> ClaimsEvalResult:
    """Every claim verified and scored; ``progress`` is told (claims done, claims) as it goes."""
    by_id = {d.id: d for d in documents}
    outcomes: list[ClaimOutcome] = []
    for done, claim in enumerate(claims):
        if progress is not None:
            progress(done, len(claims))
        started = time.perf_counter()
        answer = verify(claim.claim)
        latency = (time.perf_counter() - started) * 1000
        spans = gold_spans(claim, by_id)
        outcomes.append(
            ClaimOutcome(
                claim=claim,
                verdict=str(answer["verdict"]),
                confidence=float(answer["confidence"]),
                reason=str(answer["reason"]["code"]),
                needs_review=bool(answer["needs_review"]),
                citation_hit=_hit(answer["citations"], spans) if spans else None,
                latency_ms=latency,
                language=answer.get("language"),
            )
        )
    if progress is not None:
        progress(len(claims), len(claims))
    labels = [v.value for v in VERDICTS]
    report = classification_report(
        [o.claim.label for o in outcomes], [o.verdict for o in outcomes], labels
    )
    with_gold = [o for o in outcomes if o.citation_hit is not None]
    latencies = [o.latency_ms for o in outcomes]
    return ClaimsEvalResult(
        report=report,
        citation_hit_rate=sum(bool(o.citation_hit) for o in with_gold) / len(with_gold)
        if with_gold
        else 0.0,
        citation_claims=len(with_gold),
        latency_ms={
            "p50": percentile(latencies, 50),
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "max": max(latencies),
            "mean": statistics.fmean(latencies),
        },
        outcomes=outcomes,
    )
