"""``factdesk stance eval``: score a stance model on labelled evidence/claim pairs."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factdesk.errors import FactdeskError
from factdesk.settings import Settings
from verify.labels import STANCES, Stance, is_binary_gold, parse_gold_label
from verify.metrics import ClassificationReport, classification_report
from verify.stance_model import Probabilities, StanceModel, StancePair, stance_of

# Field names accepted for each role, so FEVER-style files work unconverted.
_PREMISE_FIELDS = ("premise", "evidence", "sentence1")
_HYPOTHESIS_FIELDS = ("hypothesis", "claim", "sentence2")
_LABEL_FIELDS = ("label", "gold_label")
BINARY_LABELS = ("entailment", "not_entailment")


class EvalFileError(FactdeskError, ValueError):
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
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalFileError(f"line {line_number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise EvalFileError(f"line {line_number}: expected a JSON object")
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
        supports, refutes = STANCES.index(Stance.SUPPORTS), STANCES.index(Stance.REFUTES)
        guess = [
            Stance.SUPPORTS.value if p[supports] >= p[refutes] else Stance.REFUTES.value
            for p in probabilities
        ]
        labels = [Stance.SUPPORTS.value, Stance.REFUTES.value]
        return "2-way", classification_report(gold, guess, labels)
    labels = [s.value for s in STANCES]
    return "3-way", classification_report(gold, [s.value for s in predicted], labels)


def _predict(model: StanceModel, rows: Sequence[EvalRow]) -> tuple[Probabilities, float]:
    started = time.perf_counter()
    probabilities = model.predict([row.pair for row in rows])
    elapsed = time.perf_counter() - started
    return probabilities, len(rows) / elapsed if elapsed > 0 else 0.0


def evaluate_stance(model: StanceModel, rows: Sequence[EvalRow]) -> StanceEvalResult:
    probabilities, speed = _predict(model, rows)
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
    from verify.checks import apply_checks
    from verify.symmetric import combine_directions

    variants = {"model": forward}
    if reverse is not None:
        variants["both directions"] = combine_directions(forward, reverse)
    if checks:
        for name in list(variants):
            variants[f"{name}+checks"] = apply_checks(pairs, variants[name])
    return {name: variants[name] for name in STANCE_VARIANTS if name in variants}


def run_stance_eval(args: argparse.Namespace, settings: Settings) -> int:
    """The model alone, with the checks and judged both ways, from one pass each way."""
    from verify.stance_model import load_stance_model, stance_config
    from verify.symmetric import reversed_pairs

    rows = read_eval_rows(args.file, limit=args.limit)
    pairs = [row.pair for row in rows]
    model = load_stance_model(stance_config(settings, args.model))
    forward, speed = _predict(model, rows)
    reverse = None if args.forward_only else model.predict(reversed_pairs(pairs))
    results = {}
    for name, probabilities in stance_variants(
        pairs, forward, reverse, checks=not args.no_checks
    ).items():
        mode, report = stance_report(rows, probabilities)
        results[name] = StanceEvalResult(mode, report, speed)
    for name, result in results.items():
        print(f"== {args.file} ({result.mode}): {name}")
        print(result.report.format())
        print()
    print(f"{speed:.1f} pairs/s (model alone, one direction)")
    if args.json_out:
        payload = {
            "file": str(args.file),
            "model": model.identity,
            **{name: result.as_dict() for name, result in results.items()},
        }
        args.json_out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0
