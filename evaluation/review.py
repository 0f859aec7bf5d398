"""Fit and measure when an answer can be used without an editor (``verify.review``).

An answer is used as it is when its verdict is SUPPORTED or REFUTED and its calibrated
confidence reaches the threshold; everything else needs review. For a threshold:
- precision: the share of the answers used as they are whose verdict equals the gold label;
- coverage: the share of the claims labelled SUPPORTED or REFUTED whose answer is used as
  it is (a claim the corpus says nothing about is never "covered").
The risk-coverage curve lists both at every confidence the answers reached. The fitted
threshold is the lowest at which the precision reaches the target and stays there at every
higher threshold judged on enough answers: a single lucky stretch of the curve is not
taken.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from evaluation.calibration import Prediction, fit_calibration
from verify.calibration import Calibration
from verify.verdict import Verdict

TARGET_PRECISION = 0.90
# A threshold is judged only on at least this many answers used as they are: above it, one
# answer more or less swings the precision by over ten points.
MIN_USED = 10
_DECIDED = (Verdict.SUPPORTED, Verdict.REFUTED)


@dataclass(frozen=True)
class CoveragePoint:
    threshold: float | None  # None: no threshold (nothing used), or the service's own marks
    used: int  # answers used as they are
    right: int  # of those, right
    decided_claims: int  # claims labelled SUPPORTED or REFUTED
    covered: int  # of those, answered without review

    @property
    def precision(self) -> float:
        return self.right / self.used if self.used else 1.0

    @property
    def coverage(self) -> float:
        return self.covered / self.decided_claims if self.decided_claims else 0.0

    def format(self) -> str:
        at = "as answered" if self.threshold is None else f"{self.threshold:.4f}"
        return (
            f"{at}: {self.used} used as they are, precision "
            f"{self.precision:.3f}, coverage {self.coverage:.3f} ({self.covered} of "
            f"{self.decided_claims})"
        )


def risk_coverage(
    predictions: Sequence[Prediction], confidences: Sequence[float]
) -> list[CoveragePoint]:
    """One point per distinct confidence of a SUPPORTED or REFUTED answer, highest first."""
    decided_claims = sum(p.label in _DECIDED for p in predictions)
    answered = sorted(
        (
            (confidence, prediction)
            for prediction, confidence in zip(predictions, confidences, strict=True)
            if prediction.verdict in _DECIDED
        ),
        key=lambda pair: -pair[0],
    )
    points: list[CoveragePoint] = []
    right = covered = 0
    for position, (confidence, prediction) in enumerate(answered):
        used = position + 1
        right += prediction.right
        covered += prediction.label in _DECIDED
        last_at_this_confidence = used == len(answered) or answered[used][0] < confidence
        if last_at_this_confidence:
            points.append(CoveragePoint(confidence, used, right, decided_claims, covered))
    return points


def fit_threshold(
    points: Sequence[CoveragePoint], target: float = TARGET_PRECISION, min_used: int = MIN_USED
) -> float | None:
    """The lowest threshold whose precision, and that of every higher threshold judged on
    at least ``min_used`` answers, reaches ``target``; None when there is none."""
    chosen: float | None = None
    for point in points:  # highest threshold first
        if point.used < min_used:
            continue
        if point.precision < target:
            break
        chosen = point.threshold
    return chosen


def point_at(
    predictions: Sequence[Prediction], confidences: Sequence[float], threshold: float | None
) -> CoveragePoint:
    """Precision and coverage of the answers used as they are under ``threshold``."""
    usable = [
        threshold is not None and p.verdict in _DECIDED and confidence >= threshold
        for p, confidence in zip(predictions, confidences, strict=True)
    ]
    return used_as_they_are(predictions, usable, threshold)


def used_as_they_are(
    predictions: Sequence[Prediction], usable: Sequence[bool], threshold: float | None = None
) -> CoveragePoint:
    """Precision and coverage of the answers marked ``usable`` (``needs_review`` false)."""
    used = [p for p, use in zip(predictions, usable, strict=True) if use]
    return CoveragePoint(
        threshold,
        len(used),
        sum(p.right for p in used),
        sum(p.label in _DECIDED for p in predictions),
        sum(p.label in _DECIDED for p in used),
    )


def answered(predictions: Sequence[Prediction], calibration: Calibration) -> list[float]:
    return [p.answered(calibration) for p in predictions]


@dataclass(frozen=True)
class CrossFittedReview:
    """Precision and coverage on claims whose calibration and threshold were fitted without
    them (k folds, repeated over shufflings), pooled over every held-out answer."""

    claims: int
    pooled: CoveragePoint  # every fold's held-out answers together (threshold: None)
    unfitted_folds: int  # folds where no threshold reached the target (nothing used)

    def format(self) -> str:
        pooled = self.pooled
        return (
            f"precision {pooled.precision:.3f} ({pooled.right} of {pooled.used} held-out "
            f"answers used as they are), coverage {pooled.coverage:.3f} ({pooled.covered} of "
            f"{pooled.decided_claims}); no threshold in {self.unfitted_folds} folds"
        )


def cross_fitted_review(
    predictions: Sequence[Prediction],
    target: float = TARGET_PRECISION,
    folds: int = 5,
    repeats: int = 10,
) -> CrossFittedReview:
    used = right = decided = covered = unfitted = 0
    for seed in range(repeats):
        order = list(range(len(predictions)))
        random.Random(seed).shuffle(order)
        for fold in range(folds):
            held = set(order[fold::folds])
            train = [p for i, p in enumerate(predictions) if i not in held]
            test = [p for i, p in enumerate(predictions) if i in held]
            calibration = fit_calibration(train)
            threshold = fit_threshold(risk_coverage(train, answered(train, calibration)), target)
            unfitted += threshold is None
            point = point_at(test, answered(test, calibration), threshold)
            used, right = used + point.used, right + point.right
            decided, covered = decided + point.decided_claims, covered + point.covered
    pooled = CoveragePoint(None, used, right, decided, covered)
    return CrossFittedReview(len(predictions), pooled, unfitted)
