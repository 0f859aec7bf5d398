"""The precisions the explicit checks answer with, measured again on the NLI benchmarks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from verify.checks import POLARITY_PRECISION, QUANTITY_PRECISION, fired_check
from verify.stance_model import StancePair

# (file under benchmarks/, premise field, hypothesis field, label field, contradiction label)
BENCHMARKS = (
    ("nli/mnli_dev_mismatched.jsonl", "premise", "hypothesis", "label", "contradiction"),
    ("fever-symmetric/fever_symmetric_test.jsonl", "evidence", "claim", "gold_label", "REFUTES"),
)


def _pairs(root: Path) -> Iterator[tuple[str, str, bool]]:
    for path, premise, hypothesis, label, contradiction in BENCHMARKS:
        for line in (root / path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            yield row[premise], row[hypothesis], row[label] == contradiction


def test_each_check_answers_with_its_measured_precision_rounded_down(shared_dir: Path) -> None:
    fired: dict[str, list[bool]] = {"polarity": [], "quantity": []}
    for premise, hypothesis, contradiction in _pairs(shared_dir / "benchmarks"):
        check = fired_check(StancePair(premise, hypothesis))
        if check is not None:
            fired[check.name].append(contradiction)
    measured = {name: sum(hits) / len(hits) for name, hits in fired.items()}
    assert len(fired["polarity"]) > 500
    assert len(fired["quantity"]) > 50
    # Rounded down, never above what was measured, and not far below it.
    assert measured["polarity"] - 0.05 < POLARITY_PRECISION <= measured["polarity"]
    assert measured["quantity"] - 0.05 < QUANTITY_PRECISION <= measured["quantity"]
