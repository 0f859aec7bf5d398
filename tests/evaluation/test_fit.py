from evaluation.fit import fit_rule, leave_one_out, score
from verify.verdict import JudgedEvidence, VerdictRule


def ev(supports: float, refutes: float, relevance: float, doc: str = "a") -> list[JudgedEvidence]:
    return [JudgedEvidence(doc, supports, refutes, relevance)]


def test_fit_separates_the_classes_and_returns_a_central_rule() -> None:
    cases = [
        ("SUPPORTED", ev(0.92, 0.02, 0.6)),
        ("SUPPORTED", ev(0.80, 0.05, 0.5)),
        ("REFUTED", ev(0.05, 0.90, 0.6)),
        ("REFUTED", ev(0.10, 0.75, 0.4)),
        ("NOT_ENOUGH_INFO", ev(0.55, 0.10, 0.5)),  # weak support: below a good threshold
        ("NOT_ENOUGH_INFO", ev(0.95, 0.01, 0.12)),  # strong but off-topic sentence
    ]
    result = fit_rule(cases)
    assert result.macro_f1 == 1.0
    assert 0.55 < result.rule.support_threshold <= 0.80
    assert 0.12 < result.rule.min_relevance <= 0.40
    assert result.optimal_rules > 1
    assert result.rules_tried > result.optimal_rules
    assert score(cases, result.rule) == (1.0, 1.0)


def test_score_with_a_bad_rule_is_lower() -> None:
    cases = [("SUPPORTED", ev(0.6, 0.0, 0.5)), ("NOT_ENOUGH_INFO", ev(0.3, 0.0, 0.5))]
    assert score(cases, VerdictRule(0.9, 0.5, 0.8, 0.25, 1.0))[0] < 1.0


def test_leave_one_out_is_at_most_the_in_sample_fit() -> None:
    cases = [
        ("SUPPORTED", ev(0.9, 0.0, 0.5)),
        ("SUPPORTED", ev(0.7, 0.0, 0.5)),
        ("NOT_ENOUGH_INFO", ev(0.6, 0.0, 0.5)),  # between the supported ones: cannot generalise
        ("REFUTED", ev(0.0, 0.9, 0.5)),
        ("REFUTED", ev(0.0, 0.8, 0.5)),
    ]
    in_sample = fit_rule(cases).macro_f1
    held_out, _ = leave_one_out(cases)
    assert held_out < in_sample


def test_fit_keeps_the_refute_margin_it_is_given() -> None:
    def story(supports: float, refutes_elsewhere: float) -> list[JudgedEvidence]:
        # The claim's own sentence, then an on-topic sentence about another fact: too
        # relevant for any min_relevance of the grid to drop it.
        return [
            JudgedEvidence("a", supports, 0.1, 0.7),
            JudgedEvidence("b", 0.0, refutes_elsewhere, 0.64),
        ]

    cases = [
        ("SUPPORTED", story(0.8, 0.95)),
        ("SUPPORTED", story(0.7, 0.9)),
        ("REFUTED", [JudgedEvidence("a", 0.05, 0.9, 0.7)]),
        ("NOT_ENOUGH_INFO", story(0.2, 0.95)),
    ]
    focused = fit_rule(cases, refute_margin=0.02)
    assert focused.rule.refute_margin == 0.02
    assert focused.macro_f1 == 1.0
    # Any sentence may refute: the off-point refutations win over the supports.
    assert fit_rule(cases).macro_f1 < 1.0
    assert leave_one_out(cases, refute_margin=0.02)[0] > leave_one_out(cases)[0]
