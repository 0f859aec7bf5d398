"""Verdict confidence calibration: expected calibration error raw, shipped and held out.

`python -m bench.calibration [--json OUT]` answers SciFact dev (300 claims, its own index)
and the dev news claims with raw confidences (FACTDESK_STANCE_CALIBRATED_CONFIDENCE=false),
through `factdesk eval scifact|claims --predictions`, then reports on each set:
* raw: the rule's confidence as it was before calibration;
* shipped: through the calibration in the stance model's verdict.json (fitted on these same
  predictions by `factdesk eval calibrate`, so in-sample);
* held out: fitted on SciFact only and measured on the news claims, which it never saw;
* cross-fitted: five folds over both sets pooled, each fold calibrated by a fit on the
  other four.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from evaluation.calibration import (
    CalibrationFigures,
    Prediction,
    cross_fitted,
    figures,
    fit_calibration,
    read_predictions,
)
from factdesk.core.settings import Settings
from factdesk.wiring import verdict_calibration
from verify.calibration import UNCALIBRATED


def predictions(command: list[str], out: Path) -> list[Prediction]:
    env = {**os.environ, "FACTDESK_STANCE_CALIBRATED_CONFIDENCE": "false"}
    subprocess.run(
        [sys.executable, "-m", "factdesk.cli", *command, "--predictions", str(out)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return read_predictions([out])


def described(result: CalibrationFigures) -> dict[str, float]:
    return {
        "claims": result.claims,
        "accuracy": round(result.accuracy, 4),
        "mean_confidence": round(result.mean_confidence, 4),
        "ece": round(result.ece, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    shared = settings.tooling.shared_dir
    with tempfile.TemporaryDirectory() as scratch:
        sets = {
            "SciFact dev": predictions(
                ["eval", "scifact", str(shared / "benchmarks/scifact")],
                Path(scratch) / "scifact.jsonl",
            ),
            "dev news claims": predictions(
                ["eval", "claims", str(shared / "claims/dev.jsonl")],
                Path(scratch) / "dev.jsonl",
            ),
        }
    shipped = verdict_calibration(settings)
    on_scifact = fit_calibration(sets["SciFact dev"])
    per_set: dict[str, dict[str, dict[str, float]]] = {}
    for name, rows in sets.items():
        entry = {
            "raw": described(figures(rows, UNCALIBRATED)),
            "shipped (in-sample)": described(figures(rows, shipped)),
        }
        if name != "SciFact dev":
            entry["fitted on SciFact only (held out)"] = described(figures(rows, on_scifact))
        per_set[name] = entry
        for label, result in entry.items():
            print(
                f"{name}, {label}: ECE {result['ece']:.3f} (accuracy {result['accuracy']:.3f},"
                f" mean confidence {result['mean_confidence']:.3f}, {result['claims']} claims)"
            )
    pooled = round(cross_fitted([row for rows in sets.values() for row in rows]), 4)
    print(f"both sets pooled, 5-fold cross-fitted ECE: {pooled:.3f}")
    report = {
        "model": settings.stance.model,
        "sets": per_set,
        "cross_fitted_ece_pooled": pooled,
        "shipped_calibration": shipped.as_mapping(),
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
