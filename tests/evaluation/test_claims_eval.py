"""Claims evaluated end to end, with a verify function standing in for the service."""

from __future__ import annotations

from typing import Any

from evaluation.claims import LabelledClaim
from evaluation.claims_eval import evaluate_claims
from index.corpus import Document

DOCUMENT = Document("d1", "Trade reached a record. Leaders signed a statement in Beijing.")


def _answer(verdict: str, start: int, end: int, needs_review: bool = False) -> dict[str, Any]:
    citation = {"document_id": "d1", "start": start, "end": end, "decisive": True}
    return {
        "verdict": verdict,
        "confidence": 0.8,
        "reason": {"code": "supported_by_evidence"},
        "needs_review": needs_review,
        "citations": [citation],
    }


def test_every_claim_is_scored_and_progress_is_told_as_it_goes() -> None:
    claims = [
        LabelledClaim(
            "c1", "Trade hit a record.", "SUPPORTED", (("d1", "Trade reached a record."),)
        ),
        LabelledClaim("c2", "Nothing was signed.", "REFUTED", ()),
    ]
    answers = {
        "Trade hit a record.": _answer("SUPPORTED", 0, 23),
        "Nothing was signed.": _answer("SUPPORTED", 24, 62),
    }
    told: list[tuple[int, int]] = []
    result = evaluate_claims(claims, [DOCUMENT], answers.__getitem__, lambda *p: told.append(p))
    assert told == [(0, 2), (1, 2), (2, 2)]  # `eval claims` draws its progress bar from these
    assert result.report.accuracy == 0.5
    assert result.citation_hit_rate == 1.0
    # both answers said they need no review: one of the two is right, both claims covered
    used = result.used_as_is
    assert (used.used, used.right, used.coverage) == (2, 1, 1.0)
    assert "answers not needing review as answered: 2 used as they are" in result.format()


def test_answers_that_need_review_are_not_counted_as_used() -> None:
    claims = [
        LabelledClaim("c1", "Trade hit a record.", "SUPPORTED", ()),
        LabelledClaim("c2", "Nothing was signed.", "REFUTED", ()),
        LabelledClaim("c3", "Trade fell.", "NOT_ENOUGH_INFO", ()),
    ]
    answers = {
        "Trade hit a record.": _answer("SUPPORTED", 0, 23),
        "Nothing was signed.": _answer("SUPPORTED", 24, 62, needs_review=True),
        "Trade fell.": _answer("NOT_ENOUGH_INFO", 0, 23, needs_review=True),
    }
    used = evaluate_claims(claims, [DOCUMENT], answers.__getitem__).used_as_is
    assert (used.used, used.right, used.decided_claims, used.covered) == (1, 1, 2, 1)
    assert used.precision == 1.0
    assert used.coverage == 0.5
