"""Fit the verdict rule's thresholds to labelled claims.

The evidence of each claim is judged once; every rule of a grid is then applied to it. Many
rules usually tie on a small claim set, so the one returned is the centre of the plateau of
best macro-F1 (the optimal rule nearest to the mean of all optimal rules), not an edge of it.
The refute margin is not fitted here but passed in: a few dozen claims cannot tell its
values apart (on the sample dev claims 0 and 0.02 tie; on SciFact dev, 300 claims, 0.02 is
best and 0 worst).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evaluation.metrics import classification_report
from verify.verdict import VERDICTS, JudgedEvidence, VerdictRule, decide

# The margin a stance model without a verdict.json is fitted with (unless
# FACTDESK_REFUTE_MARGIN says otherwise): the best of 0, 0.02, 0.05, 0.1 and "any" on
# SciFact dev for the shipped judge (docs/MODELS.md).
DEFAULT_REFUTE_MARGIN = 0.02

SUPPORT_GRID = tuple(round(x, 2) for x in np.arange(0.40, 0.951, 0.05))
RELEVANCE_GRID = tuple(round(x, 2) for x in np.arange(0.10, 0.551, 0.05))
CONFLICT_GRID = (0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class FitResult:
    rule: VerdictRule
    macro_f1: float
    accuracy: float
    optimal_rules: int
    rules_tried: int


def score(
    cases: Sequence[tuple[str, Sequence[JudgedEvidence]]], rule: VerdictRule
) -> tuple[float, float]:
    predicted = [decide(evidence, rule).verdict.value for _, evidence in cases]
    report = classification_report([g for g, _ in cases], predicted, [v.value for v in VERDICTS])
    return report.macro_f1, report.accuracy


def fit_rule(
    cases: Sequence[tuple[str, Sequence[JudgedEvidence]]], refute_margin: float = 1.0
) -> FitResult:
    if not cases:
        raise ValueError("no labelled claims to fit on")
    scored: list[tuple[float, float, tuple[float, float, float, float]]] = []
    for support, refute, relevance, conflict in itertools.product(
        SUPPORT_GRID, SUPPORT_GRID, RELEVANCE_GRID, CONFLICT_GRID
    ):
        rule = VerdictRule(support, refute, conflict, relevance, refute_margin)
        macro_f1, accuracy = score(cases, rule)
        scored.append((macro_f1, accuracy, (support, refute, conflict, relevance)))
    best = max(f1 for f1, _, _ in scored)
    optimal = [(acc, params) for f1, acc, params in scored if f1 == best]
    centre = np.mean([params for _, params in optimal], axis=0)
    accuracy, params = min(
        optimal, key=lambda item: float(np.linalg.norm(np.array(item[1]) - centre))
    )
    return FitResult(
        VerdictRule(*params, refute_margin=refute_margin), best, accuracy, len(optimal), len(scored)
    )


def leave_one_out(
    cases: Sequence[tuple[str, Sequence[JudgedEvidence]]], refute_margin: float = 1.0
) -> tuple[float, float]:
    """Macro-F1 and accuracy when each claim is decided by a rule fitted on all the others:
    an honest estimate of how the fitted rule does on claims it was not fitted to."""
    predicted = []
    for held_out in range(len(cases)):
        rest = [case for i, case in enumerate(cases) if i != held_out]
        rule = fit_rule(rest, refute_margin).rule
        predicted.append(decide(cases[held_out][1], rule).verdict.value)
    report = classification_report([g for g, _ in cases], predicted, [v.value for v in VERDICTS])
    return report.macro_f1, report.accuracy
