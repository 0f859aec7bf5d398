"""Fit and measure verdict calibration (``factdesk eval calibrate``).

Input: predictions written by ``factdesk eval claims|scifact --predictions FILE``, one
labelled claim per line with the verdict, confidence and reason it got. A verdict is
"right" when it equals the gold label. A refutation by an explicit check answers with the
check's measured precision, not through the maps (``Verifier._confidence``): it is left out
of the fits and counted in the figures as answered. The expected calibration error (ECE) is
the mean over ten equal confidence bins of |accuracy - mean confidence|, weighted by the
bin's share of claims.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from factdesk.core.errors import InvalidInputError
from factdesk.core.files import read_jsonl
from verify.calibration import Calibration, PlattMap, logit, sigmoid
from verify.verdict import Reason, Verdict

BINS = 10
# A verdict with fewer predictions than this shares a map fitted on several verdicts.
MIN_PER_VERDICT = 10
# Pull toward the identity map, in units of log loss: a newsroom calibrates on a few dozen
# reviewed claims, where an unshrunk fit per verdict follows their noise (5-fold
# cross-fitted ECE on 65 news claims: 0.13 unshrunk, 0.10 at this strength, 0.11 raw).
# It also keeps a fit on all-correct predictions finite.
_RIDGE = 3.0


@dataclass(frozen=True)
class Prediction:
    label: Verdict
    verdict: Verdict
    confidence: float
    by_check: bool = False  # refuted by an explicit check: its confidence is not mapped

    @property
    def right(self) -> bool:
        return self.label == self.verdict

    def answered(self, calibration: Calibration) -> float:
        """The confidence this prediction gets under ``calibration``."""
        return self.confidence if self.by_check else calibration(self.verdict, self.confidence)


def read_predictions(paths: Iterable[Path]) -> list[Prediction]:
    predictions: list[Prediction] = []
    for path in paths:
        for number, row in read_jsonl(path):
            try:
                predictions.append(
                    Prediction(
                        Verdict(row["label"]),
                        Verdict(row["verdict"]),
                        float(row["confidence"]),
                        by_check=row.get("reason") == Reason.REFUTED_BY_CHECK.value,
                    )
                )
            except (KeyError, ValueError, TypeError) as exc:
                raise InvalidInputError(
                    f"{path}:{number}: expected label, verdict and confidence, as written by "
                    "`factdesk eval claims --predictions`"
                ) from exc
    if not predictions:
        raise InvalidInputError("no predictions to calibrate on")
    return predictions


@dataclass(frozen=True)
class CalibrationFigures:
    claims: int
    accuracy: float
    mean_confidence: float
    ece: float

    def format(self) -> str:
        return (
            f"{self.claims} claims: accuracy {self.accuracy:.3f}, mean confidence "
            f"{self.mean_confidence:.3f}, ECE {self.ece:.3f}"
        )


def expected_calibration_error(confidences: Sequence[float], right: Sequence[bool]) -> float:
    if not confidences:
        return 0.0
    bins: list[list[int]] = [[] for _ in range(BINS)]
    for i, confidence in enumerate(confidences):
        bins[min(int(confidence * BINS), BINS - 1)].append(i)
    total = 0.0
    for members in bins:
        if members:
            accuracy = sum(right[i] for i in members) / len(members)
            mean = sum(confidences[i] for i in members) / len(members)
            total += len(members) * abs(accuracy - mean)
    return total / len(confidences)


def figures(predictions: Sequence[Prediction], calibration: Calibration) -> CalibrationFigures:
    confidences = [p.answered(calibration) for p in predictions]
    right = [p.right for p in predictions]
    return CalibrationFigures(
        claims=len(predictions),
        accuracy=sum(right) / len(right),
        mean_confidence=sum(confidences) / len(confidences),
        ece=expected_calibration_error(confidences, right),
    )


def _penalised_loss(
    xs: Sequence[float], ys: Sequence[float], slope: float, intercept: float
) -> float:
    """Log loss of rightness plus the ridge toward the identity map."""
    total = 0.5 * _RIDGE * ((slope - 1.0) ** 2 + intercept**2)
    for x, y in zip(xs, ys, strict=True):
        z = slope * x + intercept
        # log(1 + e^z) - y z, computed without overflow
        total += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return total


def fit_platt(confidences: Sequence[float], right: Sequence[bool]) -> PlattMap:
    """Logistic regression of rightness on logit(confidence), by damped Newton steps, with
    a small ridge toward the identity map (slope 1, intercept 0). The logits of one
    verdict's confidences often span a narrow range, which makes slope and intercept nearly
    collinear: full Newton steps then overshoot, so each step is halved until it helps."""
    xs = [logit(c) for c in confidences]
    ys = [1.0 if r else 0.0 for r in right]
    slope, intercept = 1.0, 0.0
    loss = _penalised_loss(xs, ys, slope, intercept)
    for _ in range(100):
        g_slope, g_intercept = _RIDGE * (slope - 1.0), _RIDGE * intercept
        h_ss, h_si, h_ii = _RIDGE, 0.0, _RIDGE
        for x, y in zip(xs, ys, strict=True):
            p = sigmoid(slope * x + intercept)
            g_slope += (p - y) * x
            g_intercept += p - y
            w = p * (1.0 - p)
            h_ss += w * x * x
            h_si += w * x
            h_ii += w
        determinant = h_ss * h_ii - h_si * h_si
        if determinant <= 0:
            break
        step_slope = (h_ii * g_slope - h_si * g_intercept) / determinant
        step_intercept = (h_ss * g_intercept - h_si * g_slope) / determinant
        scale = 1.0
        trial = (slope - step_slope, intercept - step_intercept)
        trial_loss = _penalised_loss(xs, ys, *trial)
        while trial_loss > loss:
            scale /= 2
            if scale <= 1e-6:
                break
            trial = (slope - scale * step_slope, intercept - scale * step_intercept)
            trial_loss = _penalised_loss(xs, ys, *trial)
        if trial_loss > loss:
            break  # no step lowers the loss: at the optimum
        improvement = loss - trial_loss
        (slope, intercept), loss = trial, trial_loss
        if improvement < 1e-10:
            break
    if not (math.isfinite(slope) and math.isfinite(intercept)):
        raise InvalidInputError("the calibration fit did not converge")
    if slope < 0:
        # A surer judge is never made less believed: when the fit says so it is fitting
        # noise, and the verdict's base rate (smoothed) is the honest answer.
        return PlattMap(0.0, logit((sum(ys) + 0.5) / (len(ys) + 1.0)))
    return PlattMap(slope, intercept)


def fit_calibration(predictions: Sequence[Prediction]) -> Calibration:
    """A map per verdict with enough predictions; the others share one map, fitted on the
    verdicts whose confidence is a stance probability (all but NOT_ENOUGH_INFO, whose raw
    confidence is one minus the stronger side) when there are enough of those. Refutations
    by a check are not mapped, so they are not fitted on either."""
    predictions = [p for p in predictions if not p.by_check]
    stance_based = [p for p in predictions if p.verdict is not Verdict.NOT_ENOUGH_INFO]
    shared = stance_based if len(stance_based) >= MIN_PER_VERDICT else predictions
    pooled = fit_platt([p.confidence for p in shared], [p.right for p in shared])
    maps: dict[Verdict, PlattMap] = {}
    for verdict in Verdict:
        own = [p for p in predictions if p.verdict == verdict]
        maps[verdict] = (
            fit_platt([p.confidence for p in own], [p.right for p in own])
            if len(own) >= MIN_PER_VERDICT
            else pooled
        )
    return Calibration(maps)


def cross_fitted(predictions: Sequence[Prediction], folds: int = 5, repeats: int = 10) -> float:
    """ECE of calibrations each fitted without the fold it is measured on, averaged over
    ``repeats`` shufflings (one split of a few dozen claims is mostly luck)."""
    right = [p.right for p in predictions]
    total = 0.0
    for seed in range(repeats):
        order = list(range(len(predictions)))
        random.Random(seed).shuffle(order)
        confidences = [0.0] * len(predictions)
        for fold in range(folds):
            held = set(order[fold::folds])
            fitted = fit_calibration([p for i, p in enumerate(predictions) if i not in held])
            for i in held:
                confidences[i] = predictions[i].answered(fitted)
        total += expected_calibration_error(confidences, right)
    return total / repeats
