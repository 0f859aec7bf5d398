"""Counterfactual contradictions for the lexical traps of news claims.

A claim that copies the evidence's words but changes a number, a month or a direction
("fell to 140 billion" against "rose to 240 billion") is the commonest false positive of a
small NLI model. From supported pairs we make refuted twins by changing exactly that token
in the hypothesis, so the model cannot lean on word overlap alone.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from training.data import LabelledPair
from verify.labels import Stance

_NUMBER = re.compile(r"(?<![\w.\-/])\d+(?:,\d{3})*(?:\.\d+)?(?![\w\-/])")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = re.compile(r"\b(" + "|".join(m for m in MONTHS if m != "May") + r")\b")
_DIRECTIONS = {
    "increased": "decreased",
    "decreased": "increased",
    "rose": "fell",
    "fell": "rose",
    "higher": "lower",
    "lower": "higher",
    "more": "fewer",
    "larger": "smaller",
    "smaller": "larger",
    "before": "after",
    "after": "before",
    "won": "lost",
    "lost": "won",
    "accepted": "rejected",
    "rejected": "accepted",
    "increase": "decrease",
    "decrease": "increase",
}
_DIRECTION = re.compile(r"\b(" + "|".join(_DIRECTIONS) + r")\b")
_SUPPORTS = frozenset({Stance.SUPPORTS})
_REFUTES = frozenset({Stance.REFUTES})


def _other_number(token: str, rng: random.Random) -> str:
    digits = token.replace(",", "")
    if "." in digits:
        value = float(digits)
        return f"{value * rng.choice((0.5, 2.0, 1.5, 3.0)):.{len(digits.split('.')[1])}f}"
    value = int(digits)
    if 1900 <= value <= 2100:  # a year: shift it, a plausible but wrong year
        return str(value + rng.choice((-3, -2, -1, 1, 2, 3)))
    changed = value
    while changed == value:
        changed = max(1, int(value * rng.choice((0.3, 0.5, 2, 3, 10)) + rng.choice((0, 1, 7))))
    return f"{changed:,}" if "," in token else str(changed)


def _swap_number(pair: LabelledPair, rng: random.Random) -> str | None:
    shared = [m for m in _NUMBER.finditer(pair.hypothesis) if m.group(0) in pair.premise]
    if not shared:
        return None
    match = rng.choice(shared)
    replacement = _other_number(match.group(0), rng)
    return pair.hypothesis[: match.start()] + replacement + pair.hypothesis[match.end() :]


def _swap_month(pair: LabelledPair, rng: random.Random) -> str | None:
    shared = [m for m in _MONTH.finditer(pair.hypothesis) if m.group(0) in pair.premise]
    if not shared:
        return None
    match = rng.choice(shared)
    other = rng.choice([m for m in MONTHS if m != match.group(0)])
    return pair.hypothesis[: match.start()] + other + pair.hypothesis[match.end() :]


def _swap_direction(pair: LabelledPair, rng: random.Random) -> str | None:
    shared = [m for m in _DIRECTION.finditer(pair.hypothesis) if m.group(0) in pair.premise]
    if not shared:
        return None
    match = rng.choice(shared)
    return (
        pair.hypothesis[: match.start()]
        + _DIRECTIONS[match.group(0)]
        + pair.hypothesis[match.end() :]
    )


def counterfactual_contradictions(
    pairs: Sequence[LabelledPair], limit: int, seed: int
) -> list[LabelledPair]:
    """Up to ``limit`` refuted twins of supported pairs, each differing in one token."""
    rng = random.Random(seed)
    supported = [p for p in pairs if p.allowed == _SUPPORTS]
    rng.shuffle(supported)
    made: list[LabelledPair] = []
    seen: set[tuple[str, str]] = set()
    for pair in supported:
        if len(made) >= limit:
            break
        for swap in (_swap_number, _swap_month, _swap_direction):
            hypothesis = swap(pair, rng)
            if hypothesis is None or hypothesis == pair.hypothesis:
                continue
            key = (pair.premise, hypothesis)
            if key in seen:
                continue
            seen.add(key)
            made.append(
                LabelledPair(pair.premise, hypothesis, _REFUTES, f"augment:{swap.__name__[6:]}")
            )
            break
    return made
