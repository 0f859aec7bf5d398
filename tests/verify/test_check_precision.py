"""The precisions the explicit checks answer with, measured again on the NLI benchmarks."""

from __future__ import annotations

from pathlib import Path

from evaluation.stance_eval import read_eval_rows
from verify.checks import POLARITY_PRECISION, QUANTITY_PRECISION, fired_check
from verify.labels import Stance

BENCHMARKS = ("nli/mnli_dev_mismatched.jsonl", "fever-symmetric/fever_symmetric_test.jsonl")


def test_each_check_answers_with_its_measured_precision_rounded_down(shared_dir: Path) -> None:
    fired: dict[str, list[bool]] = {"polarity": [], "quantity": []}
    for path in BENCHMARKS:
        for row in read_eval_rows(shared_dir / "benchmarks" / path):
            check = fired_check(row.pair)
            if check is not None:
                fired[check.name].append(row.allowed == {Stance.REFUTES})
    measured = {name: sum(hits) / len(hits) for name, hits in fired.items()}
    assert len(fired["polarity"]) > 500
    assert len(fired["quantity"]) > 50
    # Rounded down, never above what was measured, and not far below it.
    assert measured["polarity"] - 0.05 < POLARITY_PRECISION <= measured["polarity"]
    assert measured["quantity"] - 0.05 < QUANTITY_PRECISION <= measured["quantity"]
