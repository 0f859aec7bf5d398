"""``factdesk stance eval``: score a stance model on labelled evidence/claim pairs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.metrics import ClassificationReport, classification_report
from factdesk.core.errors import InvalidInputError
from factdesk.core.files import read_jsonl
from verify.checks import apply_checks
from verify.labels import (
    REFUTES_COLUMN,
    STANCES,
    SUPPORTS_COLUMN,
    Stance,
    is_binary_gold,
    parse_gold_label,
)
from verify.stance_model import Probabilities, StanceModel, StancePair, stance_of
from verify.symmetric import combine_directions

# Field names accepted for each role, so FEVER-style files work unconverted.
_PREMISE_FIELDS = ("premise", "evidence", "sentence1")
_HYPOTHESIS_FIELDS = ("hypothesis", "claim", "sentence2")
_LABEL_FIELDS = ("label", "gold_label")
BINARY_LABELS = ("entailment", "not_entailment")
# MultiNLI dev mismatched, under the shared benchmarks folder: the learning curve's figure.
MNLI_MISMATCHED = Path("nli") / "mnli_dev_mismatched.jsonl"


class EvalFileError(InvalidInputError):
    pass


@dataclass(frozen=True)
class EvalRow:
    pair: StancePair
    allowed: frozenset[Stance]


def _field(row: dict[str, object], names: Sequence[str], line: int) -> str:
    for name in names:
        value = row.get(name)
        if isinstance(value, str):
            return value
    raise EvalFileError(f"line {line}: needs one of the fields {list(names)}")


def read_eval_rows(path: Path, limit: int | None = None) -> list[EvalRow]:
    rows: list[EvalRow] = []
    for line_number, row in read_jsonl(path, EvalFileError):
        try:
            allowed = parse_gold_label(_field(row, _LABEL_FIELDS, line_number))
        except ValueError as exc:
            raise EvalFileError(f"line {line_number}: {exc}") from exc
        pair = StancePair(
            evidence=_field(row, _PREMISE_FIELDS, line_number),
            claim=_field(row, _HYPOTHESIS_FIELDS, line_number),
        )
        rows.append(EvalRow(pair, allowed))
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        raise EvalFileError(f"{path}: no rows")
    return rows


@dataclass(frozen=True)
class StanceEvalResult:
    mode: str  # "3-way" or "binary"
    report: ClassificationReport
    pairs_per_second: float

    def as_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "pairs_per_second": self.pairs_per_second,
            **self.report.as_dict(),
        }


def stance_report(
    rows: Sequence[EvalRow], probabilities: Probabilities, two_way: bool = True
) -> tuple[str, ClassificationReport]:
    """The task the gold labels define, scored on it.

    * binary: any gold label is entailment/not_entailment -> SUPPORTS vs. the rest;
    * 2-way: the gold labels are only SUPPORTS and REFUTES (FEVER-Symmetric) -> the more
      likely of those two, since the file has no NEUTRAL to predict (``two_way=False``
      scores the 3-way argmax instead, NEUTRAL counting as wrong);
    * 3-way otherwise.
    """
    predicted = [stance_of(p) for p in probabilities]
    if any(is_binary_gold(row.allowed) for row in rows):
        gold = [
            BINARY_LABELS[0] if Stance.SUPPORTS in r.allowed else BINARY_LABELS[1] for r in rows
        ]
        guess = [BINARY_LABELS[0] if s is Stance.SUPPORTS else BINARY_LABELS[1] for s in predicted]
        return "binary", classification_report(gold, guess, BINARY_LABELS)
    gold = [next(iter(row.allowed)).value for row in rows]
    if two_way and Stance.NEUTRAL.value not in gold:
        guess = [
            Stance.SUPPORTS.value
            if p[SUPPORTS_COLUMN] >= p[REFUTES_COLUMN]
            else Stance.REFUTES.value
            for p in probabilities
        ]
        labels = [Stance.SUPPORTS.value, Stance.REFUTES.value]
        return "2-way", classification_report(gold, guess, labels)
    labels = [s.value for s in STANCES]
    return "3-way", classification_report(gold, [s.value for s in predicted], labels)


def predict_timed(model: StanceModel, rows: Sequence[EvalRow]) -> tuple[Probabilities, float]:
    started = time.perf_counter()
    probabilities = model.predict([row.pair for row in rows])
    elapsed = time.perf_counter() - started
    return probabilities, len(rows) / elapsed if elapsed > 0 else 0.0


def evaluate_stance(model: StanceModel, rows: Sequence[EvalRow]) -> StanceEvalResult:
    probabilities, speed = predict_timed(model, rows)
    mode, report = stance_report(rows, probabilities)
    return StanceEvalResult(mode, report, speed)


STANCE_VARIANTS = ("model", "model+checks", "both directions", "both directions+checks")
"""What the service makes of the model's output: the explicit number, date and polarity checks
(verify.checks) and contradiction judged both ways (verify.symmetric), alone and together."""


def variant_accuracies(figures: dict[str, Any]) -> list[str]:
    """One benchmark's accuracy per STANCE_VARIANTS entry ("-" where older files lack it)."""
    return [
        f"{figures[name]['accuracy']:.4f}" if name in figures else "-" for name in STANCE_VARIANTS
    ]


def stance_variants(
    pairs: Sequence[StancePair],
    forward: Probabilities,
    reverse: Probabilities | None,
    checks: bool = True,
) -> dict[str, Probabilities]:
    """The variants of STANCE_VARIANTS that ``reverse`` and ``checks`` allow, by name."""
    variants = {"model": forward}
    if reverse is not None:
        variants["both directions"] = combine_directions(forward, reverse)
    if checks:
        for name in list(variants):
            variants[f"{name}+checks"] = apply_checks(pairs, variants[name])
    return {name: variants[name] for name in STANCE_VARIANTS if name in variants}
