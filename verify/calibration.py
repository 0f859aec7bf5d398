"""Verdict confidence as the probability that the verdict is right.

The verdict rule's raw confidence is a stance probability (or, for NOT_ENOUGH_INFO, one
minus the stronger side), which says how sure the judge was of one sentence, not how often
such a verdict is right. Per verdict, a logistic map of its logit (Platt scaling) fitted on
labelled claims (``factdesk eval calibrate``) turns it into that frequency. Two parameters
per verdict, because a few hundred labelled claims cannot support a finer map (an isotonic
fit would follow their noise). Maps compose: a fit on already-calibrated confidences is
folded into the map in place, so a model can be recalibrated from a running server's
answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from factdesk.core.errors import InvalidInputError
from verify.verdict import Verdict

_EDGE = 1e-4  # confidences of exactly 0 or 1 (no relevant evidence) have no logit


def logit(probability: float) -> float:
    p = min(max(probability, _EDGE), 1.0 - _EDGE)
    return math.log(p / (1.0 - p))


def sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


class CalibrationError(InvalidInputError):
    pass


@dataclass(frozen=True)
class PlattMap:
    """confidence -> sigmoid(slope * logit(confidence) + intercept)."""

    slope: float = 1.0
    intercept: float = 0.0

    def __call__(self, confidence: float) -> float:
        return sigmoid(self.slope * logit(confidence) + self.intercept)

    def after(self, inner: PlattMap) -> PlattMap:
        """This map applied to ``inner``'s output, as one map (exact away from 0 and 1)."""
        return PlattMap(self.slope * inner.slope, self.slope * inner.intercept + self.intercept)


IDENTITY = PlattMap()


@dataclass(frozen=True)
class Calibration:
    """One map per verdict; a verdict without one keeps its raw confidence."""

    maps: Mapping[Verdict, PlattMap] = field(default_factory=dict)

    def __call__(self, verdict: Verdict, confidence: float) -> float:
        found = self.maps.get(verdict)
        return confidence if found is None else found(confidence)

    def after(self, inner: Calibration) -> Calibration:
        verdicts = set(self.maps) | set(inner.maps)
        return Calibration(
            {
                v: self.maps.get(v, IDENTITY).after(inner.maps.get(v, IDENTITY))
                for v in sorted(verdicts)
            }
        )

    def as_mapping(self) -> dict[str, dict[str, float]]:
        return {
            v.value: {"slope": round(m.slope, 6), "intercept": round(m.intercept, 6)}
            for v, m in sorted(self.maps.items())
        }

    @classmethod
    def from_mapping(cls, values: Any, origin: str) -> Calibration:
        if not isinstance(values, dict):
            raise CalibrationError(f"{origin}: calibration must be an object of verdicts")
        maps: dict[Verdict, PlattMap] = {}
        for name, parameters in values.items():
            try:
                verdict = Verdict(name)
                slope, intercept = parameters["slope"], parameters["intercept"]
            except (ValueError, TypeError, KeyError) as exc:
                raise CalibrationError(
                    f"{origin}: calibration of {name!r} needs a verdict name with "
                    "numbers slope and intercept"
                ) from exc
            if not all(
                isinstance(x, (int, float)) and math.isfinite(x) for x in (slope, intercept)
            ):
                raise CalibrationError(f"{origin}: calibration of {name!r} is not finite numbers")
            maps[verdict] = PlattMap(float(slope), float(intercept))
        return cls(maps)


UNCALIBRATED = Calibration()
