"""Whether an answer can be used as it is, or an editor must look at it first.

An answer needs review when the judge did not commit to a side (NOT_ENOUGH_INFO: an
abstention; the archive may hold what it missed), when the sources disagree (CONFLICTING),
or when its calibrated confidence is below the threshold fitted for the stance model
(``factdesk eval calibrate``: the lowest confidence above which the answers were right at
least ``target_precision`` of the time, stored in its ``verdict.json`` as ``review``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from factdesk.core.errors import InvalidInputError
from verify.verdict import Verdict


class ReviewReason(enum.StrEnum):
    """Why an editor must look; part of the API (``review_reason``)."""

    LOW_CONFIDENCE = "low_confidence"
    CONFLICT = "conflict"
    ABSTENTION = "abstention"


class ReviewPolicyError(InvalidInputError):
    pass


@dataclass(frozen=True)
class ReviewPolicy:
    """``min_confidence``: a SUPPORTED or REFUTED answer at least this confident is used as
    it is. None: no threshold was fitted, or none reached the target, so every answer needs
    an editor."""

    min_confidence: float | None

    def reason(self, verdict: Verdict, confidence: float) -> ReviewReason | None:
        """Why an answer with this verdict and (calibrated) confidence needs review; None
        when it does not."""
        if verdict is Verdict.NOT_ENOUGH_INFO:
            return ReviewReason.ABSTENTION
        if verdict is Verdict.CONFLICTING:
            return ReviewReason.CONFLICT
        if self.min_confidence is None or confidence < self.min_confidence:
            return ReviewReason.LOW_CONFIDENCE
        return None

    @classmethod
    def from_mapping(cls, values: Any, origin: str) -> ReviewPolicy:
        """The ``review`` object of a ``verdict.json``."""
        if not isinstance(values, Mapping) or "min_confidence" not in values:
            raise ReviewPolicyError(f"{origin}: review: expected an object with min_confidence")
        threshold = values["min_confidence"]
        if threshold is None:
            return cls(None)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ReviewPolicyError(f"{origin}: review.min_confidence: expected a number or null")
        if not 0.0 <= threshold <= 1.0:
            raise ReviewPolicyError(f"{origin}: review.min_confidence: expected 0 to 1")
        return cls(float(threshold))


# A stance model whose verdict.json has no fitted threshold: every answer needs an editor.
UNFITTED = ReviewPolicy(None)
