"""Explicit checks of numbers, dates and polarity between a claim and its evidence.

A small cross-encoder reads "rose to 140 billion" and "rose to a record 240 billion" as the
same statement: the words overlap and the model has little sense of quantity. When the
evidence states a quantity of the same kind (same scale word and unit, or a year, or a month)
as the claim but never the claim's value, the evidence contradicts the claim on that point,
so the probability the model gave to SUPPORTS is moved to REFUTES. Negation and antonyms
are checked in verify.polarity; apply_checks applies both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verify.labels import NEUTRAL_COLUMN, REFUTES_COLUMN, SUPPORTS_COLUMN
from verify.polarity import MIN_COVERAGE, polarity_conflicts
from verify.stance_model import Probabilities, StancePair
from verify.topic import topic_match

_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_PERCENT_WORDS = {"percent", "per cent", "%", "percentage points"}
# Money is one kind however it is written: "$240 billion", "USD 240 billion", "240 billion
# US dollars" (written differently, not a different amount).
_CURRENCY_WORDS = r"(?:US |U\.S\. )?dollars?|euros?|yuan|renminbi|r[ou]bles?"
_QUANTITY = re.compile(
    r"(?<![\w.\-/])(?P<currency>[$€£¥]|(?:US\$|USD|EUR|CNY|RMB|RUB|GBP)\s?)?"
    r"\s?(?P<number>\d+(?:,\d{3})*(?:\.\d+)?)(?![\w\-/])"
    r"\s?(?P<scale>thousand|million|mln|billion|bn|trillion|tn|m\b|b\b)?"
    rf"\s?(?P<unit>%|per cent|percent|percentage points|{_CURRENCY_WORDS}|[a-z]+)?",
    re.IGNORECASE,
)
_CURRENCY_UNIT = re.compile(_CURRENCY_WORDS, re.IGNORECASE)
# "May" is a month only when a day or year stands beside it; otherwise it is the modal verb.
_MONTH = re.compile(
    r"\b(?P<month>January|February|March|April|June|July|August|September|October|November|December"
    r"|May(?=\s+\d)|(?<=\d\s)May)\b"
)


@dataclass(frozen=True)
class Quantity:
    value: float
    kind: str  # what is counted: "percent", "year", or the unit word ("dollars", "people")


def _quantities(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        value = float(match.group("number").replace(",", ""))
        scale = (match.group("scale") or "").lower()
        unit = (match.group("unit") or "").lower()
        if scale:
            value *= _SCALES[scale]
        if unit in _PERCENT_WORDS:
            kind = "percent"
        elif match.group("currency") or _CURRENCY_UNIT.fullmatch(unit):
            kind = "money"
        elif not scale and not unit and 1900 <= value <= 2100 and "." not in match.group("number"):
            kind = "year"
        elif unit and unit not in {"and", "or", "to", "in", "of", "the", "a", "from"}:
            kind = unit
        else:
            continue  # a bare number: too little context to say what it counts
        found.append(Quantity(value, kind))
    return found


def _months(text: str) -> set[str]:
    return {m.group("month").lower() for m in _MONTH.finditer(text)}


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def conflicts(claim: str, evidence: str) -> list[str]:
    """Why the evidence contradicts the claim on a number or date; empty when it does not.

    Only evidence that restates most of the claim (verify.topic) can contradict its numbers:
    "Xi's 2023 visit" is another visit than "the May 2024 visit" where Putin and Xi discussed
    energy.
    """
    if topic_match(claim, evidence).share < MIN_COVERAGE:
        return []
    reasons: list[str] = []
    evidence_quantities = _quantities(evidence)
    for quantity in _quantities(claim):
        same_kind = [q for q in evidence_quantities if q.kind == quantity.kind]
        if same_kind and not any(_same(q.value, quantity.value) for q in same_kind):
            reasons.append(
                f"claim says {quantity.value:g} ({quantity.kind}); evidence says "
                + ", ".join(f"{q.value:g}" for q in same_kind)
            )
    claim_months, evidence_months = _months(claim), _months(evidence)
    if claim_months and evidence_months and not claim_months & evidence_months:
        reasons.append(
            f"claim says {', '.join(sorted(claim_months))}; evidence says "
            f"{', '.join(sorted(evidence_months))}"
        )
    return reasons


# Share of the benchmark pairs on which the polarity check fires whose gold label is
# contradiction: MultiNLI dev mismatched 565 of 684, FEVER-Symmetric 16 of 21 (581 of 705,
# 0.824), rounded down. A refutation by the check answers with it (Verifier._confidence).
POLARITY_PRECISION = 0.8
# The same for the number and date check where the polarity check does not fire: MultiNLI
# dev mismatched 33 of 44, FEVER-Symmetric 23 of 27 (56 of 71, 0.789), rounded down.
# tests/verify/test_check_precision.py measures both again.
QUANTITY_PRECISION = 0.78
CHECKS_IDENTITY = "numbers,dates,polarity"  # how the audit trail names these checks


@dataclass(frozen=True)
class FiredCheck:
    name: str  # "polarity" (verify.polarity) or "quantity" (numbers and dates)
    detail: str  # what it found, for the answer's reason

    @property
    def precision(self) -> float:
        """How often a pair this check fires on is a contradiction (measured above)."""
        return POLARITY_PRECISION if self.name == "polarity" else QUANTITY_PRECISION


def fired_check(pair: StancePair) -> FiredCheck | None:
    """The explicit check that contradicts the claim with this evidence, if any."""
    if reasons := polarity_conflicts(pair.claim, pair.evidence):
        return FiredCheck("polarity", "; ".join(reasons))
    if reasons := conflicts(pair.claim, pair.evidence):
        return FiredCheck("quantity", "; ".join(reasons))
    return None


def judge_checks(
    pairs: Sequence[StancePair], probabilities: Probabilities
) -> tuple[Probabilities, list[FiredCheck | None]]:
    """Adjust the model's probabilities (columns S, R, N) where an explicit check fires, and
    say which fired for each pair.

    A number or date conflict moves SUPPORTS to REFUTES: the evidence may be about another
    quantity, so it only vetoes a "supports". A polarity conflict (verify.polarity) fires only
    when the evidence restates most of the claim, so the evidence does bear on it: REFUTES is
    raised to at least the check's measured precision, SUPPORTS and NEUTRAL share the rest.
    """
    adjusted = probabilities.copy()
    fired = [fired_check(pair) for pair in pairs]
    for row, check in enumerate(fired):
        if check is None:
            continue
        if check.name == "polarity":
            refutes = max(float(adjusted[row, REFUTES_COLUMN]), POLARITY_PRECISION)
            others = float(adjusted[row, SUPPORTS_COLUMN] + adjusted[row, NEUTRAL_COLUMN])
            scale = (1.0 - refutes) / others if others > 0 else 0.0
            adjusted[row, [SUPPORTS_COLUMN, NEUTRAL_COLUMN]] *= scale
            adjusted[row, REFUTES_COLUMN] = refutes
        else:
            adjusted[row, REFUTES_COLUMN] += adjusted[row, SUPPORTS_COLUMN]
            adjusted[row, SUPPORTS_COLUMN] = 0.0
    return adjusted.astype(np.float32), fired


def apply_checks(pairs: Sequence[StancePair], probabilities: Probabilities) -> Probabilities:
    """``judge_checks``'s probabilities alone."""
    return judge_checks(pairs, probabilities)[0]
