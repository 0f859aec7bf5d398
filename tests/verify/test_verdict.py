import pytest

from verify.topic import TopicMatch
from verify.verdict import JudgedEvidence, Reason, Verdict, VerdictRule, decide

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


def _topic(can_support: bool, can_refute: bool) -> TopicMatch:
    """A TopicMatch with the given answers: missing names block support, shared words
    allow refutation."""
    return TopicMatch(
        missing_names=() if can_support else ("moscow",),
        claim_names=2,  # one of them missing: still about the claim
        missing_around=() if can_support else ("moscow",),
        shared_words=("visit", "summit") if can_refute else (),
        claim_words=2,
        shared_predicate_words=("visit",) if can_support or can_refute else (),
        claim_predicate_words=2,
    )


def test_stances_of_evidence_not_about_the_claim_do_not_count() -> None:
    off_topic = JudgedEvidence("a", 0.95, 0.0, 0.8, topic=_topic(False, False))
    decision = decide([off_topic], RULE)
    assert decision.verdict is Verdict.NOT_ENOUGH_INFO
    assert decision.reason is Reason.EVIDENCE_NOT_ABOUT_CLAIM
    assert decision.decided_by == ()


def test_support_needs_the_claims_names_but_refutation_does_not() -> None:
    elsewhere = JudgedEvidence("a", 0.9, 0.0, 0.8, topic=_topic(False, True))
    assert decide([elsewhere], RULE).verdict is Verdict.NOT_ENOUGH_INFO
    refuting = JudgedEvidence("a", 0.0, 0.9, 0.8, topic=_topic(False, True))
    decision = decide([refuting], RULE)
    assert (decision.verdict, decision.reason) == (Verdict.REFUTED, Reason.REFUTED_BY_EVIDENCE)


def test_a_negation_refutes_wherever_it_ranks_and_off_topic_evidence_sets_no_margin() -> None:
    rule = VerdictRule(0.6, 0.6, 0.8, 0.3, refute_margin=0.02)
    top_off_topic = JudgedEvidence("a", 0.1, 0.1, 0.9, topic=_topic(False, False))
    top_neutral = JudgedEvidence("a", 0.1, 0.1, 0.9, topic=_topic(True, True))
    negated = JudgedEvidence("b", 0.05, 0.85, 0.6, check="polarity", topic=_topic(True, True))
    model_only = JudgedEvidence("b", 0.05, 0.85, 0.6, topic=_topic(True, True))
    decision = decide([top_neutral, negated], rule)
    assert (decision.verdict, decision.reason) == (Verdict.REFUTED, Reason.REFUTED_BY_CHECK)
    assert decision.decided_by == (1,)
    assert decide([top_neutral, model_only], rule).verdict is Verdict.NOT_ENOUGH_INFO
    # the most relevant sentence about the claim sets the margin, not an off-topic one
    assert decide([top_off_topic, model_only], rule).verdict is Verdict.REFUTED
