import pytest

from verify.verdict import JudgedEvidence, Verdict, VerdictRule, decide

RULE = VerdictRule(
    support_threshold=0.6,
    refute_threshold=0.6,
    conflict_threshold=0.8,
    min_relevance=0.3,
    refute_margin=1.0,
)


def ev(doc: str, supports: float, refutes: float, relevance: float = 0.5) -> JudgedEvidence:
    return JudgedEvidence(doc, supports, refutes, relevance)


@pytest.mark.parametrize(
    ("evidence", "verdict", "confidence"),
    [
        ([ev("a", 0.9, 0.05), ev("b", 0.1, 0.1)], Verdict.SUPPORTED, 0.9),
        ([ev("a", 0.1, 0.7), ev("b", 0.2, 0.1)], Verdict.REFUTED, 0.7),
        ([ev("a", 0.5, 0.4)], Verdict.NOT_ENOUGH_INFO, 0.5),
        ([ev("a", 0.85, 0.0), ev("b", 0.0, 0.9)], Verdict.CONFLICTING, 0.85),
        # both sides strong but in the same document: the stronger side wins
        ([ev("a", 0.85, 0.0), ev("a", 0.0, 0.9)], Verdict.REFUTED, 0.9),
        # strong evidence that is not relevant enough does not count
        ([ev("a", 0.95, 0.0, relevance=0.1)], Verdict.NOT_ENOUGH_INFO, 1.0),
        ([], Verdict.NOT_ENOUGH_INFO, 1.0),
    ],
)
def test_rule(evidence: list[JudgedEvidence], verdict: Verdict, confidence: float) -> None:
    decision = decide(evidence, RULE)
    assert decision.verdict is verdict
    assert decision.confidence == pytest.approx(confidence)


def test_only_the_most_relevant_evidence_can_refute() -> None:
    rule = VerdictRule(
        support_threshold=0.5,
        refute_threshold=0.7,
        conflict_threshold=0.8,
        min_relevance=0.3,
        refute_margin=0.05,
    )
    on_point = ev("a", 0.6, 0.3, relevance=0.72)
    other_fact = ev("b", 0.0, 0.97, relevance=0.6)  # same story, another fact
    assert decide([on_point, other_fact], rule).verdict is Verdict.SUPPORTED
    # Within the margin of the most relevant sentence, a refutation counts.
    close = ev("b", 0.0, 0.97, relevance=0.7)
    assert decide([on_point, close], rule) == decide([on_point, close], RULE)
    assert decide([on_point, close], rule).verdict is Verdict.REFUTED
