"""The review threshold: the risk-coverage curve, its fit, and its cross-fitted figures."""

from __future__ import annotations

import random

import pytest

from evaluation.calibration import Prediction
from evaluation.review import (
    cross_fitted_review,
    fit_threshold,
    point_at,
    risk_coverage,
)
from verify.verdict import Verdict

S, R, N = Verdict.SUPPORTED, Verdict.REFUTED, Verdict.NOT_ENOUGH_INFO


def test_the_curve_has_a_point_per_distinct_confidence_highest_first() -> None:
    rows = [
        Prediction(S, S, 0.9),
        Prediction(R, S, 0.9),  # wrong, at the same confidence
        Prediction(R, R, 0.7),
        Prediction(N, N, 0.95),  # an abstention is never used as it is
        Prediction(N, R, 0.6),  # used at 0.6, but the claim is not a SUPPORTED/REFUTED one
        Prediction(S, N, 0.8),  # a SUPPORTED claim the judge abstained on: never covered
    ]
    curve = risk_coverage(rows, [p.confidence for p in rows])
    assert [p.threshold for p in curve] == [0.9, 0.7, 0.6]
    assert [(p.used, p.right, p.covered) for p in curve] == [(2, 1, 2), (3, 2, 3), (4, 2, 3)]
    assert {p.decided_claims for p in curve} == {4}
    assert curve[1].precision == pytest.approx(2 / 3)
    assert curve[1].coverage == pytest.approx(3 / 4)


def graded(count: int, seed: int) -> list[Prediction]:
    """SUPPORTED/REFUTED answers right with probability equal to their confidence."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        confidence = rng.uniform(0.5, 1.0)
        verdict = S if rng.random() < 0.5 else R
        wrong = R if verdict is S else S
        rows.append(
            Prediction(verdict if rng.random() < confidence else wrong, verdict, confidence)
        )
    return rows


def test_the_threshold_is_the_lowest_whose_precision_holds_above_it() -> None:
    rows = graded(2000, seed=1)
    curve = risk_coverage(rows, [p.confidence for p in rows])
    threshold = fit_threshold(curve, target=0.9, min_used=10)
    assert threshold is not None
    # Right as often as confident: the answers above t are right about (1 + t) / 2 of the time.
    assert threshold == pytest.approx(0.8, abs=0.03)
    chosen = point_at(rows, [p.confidence for p in rows], threshold)
    assert chosen.precision >= 0.9
    assert chosen.coverage == pytest.approx(0.4, abs=0.05)
    above = [p for p in curve if p.threshold is not None and p.threshold >= threshold]
    assert all(p.precision >= 0.9 for p in above if p.used >= 10)


def test_a_dip_below_the_target_higher_up_stops_the_fit_there() -> None:
    # Right at 0.99 and 0.95, wrong at 0.9 (precision 0.67 over 15), right below it.
    rows = [Prediction(S, S, 0.99)] * 5 + [Prediction(S, S, 0.95)] * 5
    rows += [Prediction(R, S, 0.9)] * 5 + [Prediction(S, S, 0.8)] * 40
    curve = risk_coverage(rows, [p.confidence for p in rows])
    assert point_at(rows, [p.confidence for p in rows], 0.8).precision > 0.9
    assert fit_threshold(curve, target=0.9, min_used=10) == 0.95
    # Judged only on 20 answers or more, the dip (15) is noise and 0.8 holds (50 of 55).
    assert fit_threshold(curve, target=0.9, min_used=20) == 0.8
    assert fit_threshold(curve, target=0.95, min_used=20) is None


def test_no_threshold_means_nothing_is_used_as_it_is() -> None:
    rows = [Prediction(R, S, 0.9)] * 20
    assert fit_threshold(risk_coverage(rows, [0.9] * 20)) is None
    nothing = point_at(rows, [0.9] * 20, None)
    assert (nothing.used, nothing.coverage) == (0, 0.0)


def test_cross_fitted_figures_come_from_held_out_claims() -> None:
    rows = graded(600, seed=2)
    cross = cross_fitted_review(rows, target=0.9, repeats=2)
    assert cross.claims == 600
    assert cross.pooled.decided_claims == 2 * 600  # every claim is held out once per repeat
    assert cross.pooled.precision == pytest.approx(0.9, abs=0.04)
    assert cross.pooled.coverage > 0.25
    assert cross.unfitted_folds == 0
