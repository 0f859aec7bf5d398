"""Contradiction judged in both directions.

Contradiction is symmetric (if A rules out B, B rules out A) while entailment is not, so a
pair's REFUTES probability is the mean of the model's contradiction probability for
(evidence, claim) and for (claim, evidence). A spurious one-directional contradiction, the
model's typical error on on-topic sentences that say something else, is halved; a real one
survives. SUPPORTS and NEUTRAL stay those of the forward direction; rows are renormalised.
Measured in docs/BENCHMARKS.md (bench.stance_benchmarks, the "both directions" columns).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from verify.labels import REFUTES_COLUMN
from verify.stance_model import Probabilities, StancePair

BOTH_DIRECTIONS_IDENTITY = "both directions"  # how the audit trail names this


def combine_directions(forward: Probabilities, reverse: Probabilities) -> Probabilities:
    if forward.shape != reverse.shape:
        raise ValueError(f"forward {forward.shape} and reverse {reverse.shape} differ")
    combined = forward.astype(np.float32, copy=True)
    combined[:, REFUTES_COLUMN] = (forward[:, REFUTES_COLUMN] + reverse[:, REFUTES_COLUMN]) / 2
    normalised: Probabilities = (combined / combined.sum(axis=1, keepdims=True)).astype(np.float32)
    return normalised


def reversed_pairs(pairs: Sequence[StancePair]) -> list[StancePair]:
    return [StancePair(evidence=pair.claim, claim=pair.evidence) for pair in pairs]
