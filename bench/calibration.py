"""Verdict confidence calibration: expected calibration error raw, shipped and held out.

`python -m bench.calibration [--json OUT]` answers three claim sets with raw confidences
(FACTDESK_STANCE_CALIBRATED_CONFIDENCE=false, through `factdesk eval claims|scifact
--predictions`): the 25 dev news claims, the 40 news claims of bench/data/news_claims.jsonl
and SciFact dev (300 claims, its own index). On each it reports:
* raw: the rule's confidence before calibration;
* shipped: through the calibration in the stance model's verdict.json, which
  `factdesk eval calibrate` fitted on the two news sets (so in-sample for them);
* fitted on SciFact only, for the news sets: why SciFact is not in the shipped fit;
and, over the two news sets pooled, the ECE of calibrations fitted without the fold they
are measured on (five folds, averaged over ten shufflings).
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

NEWS_CLAIMS = Path(__file__).parent / "data" / "news_claims.jsonl"


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
            "news claims (bench/data)": predictions(
                ["eval", "claims", str(NEWS_CLAIMS)], Path(scratch) / "news.jsonl"
            ),
        }
    shipped = verdict_calibration(settings)
    on_scifact = fit_calibration(sets["SciFact dev"])
    per_set: dict[str, dict[str, dict[str, float]]] = {}
    for name, rows in sets.items():
        entry = {
            "raw": described(figures(rows, UNCALIBRATED)),
            "shipped (held out)" if name == "SciFact dev" else "shipped (in-sample)": described(
                figures(rows, shipped)
            ),
        }
        if name != "SciFact dev":
            entry["fitted on SciFact only (held out)"] = described(figures(rows, on_scifact))
        per_set[name] = entry
        for label, result in entry.items():
            print(
                f"{name}, {label}: ECE {result['ece']:.3f} (accuracy {result['accuracy']:.3f},"
                f" mean confidence {result['mean_confidence']:.3f}, {result['claims']} claims)"
            )
    news = [row for name, rows in sets.items() if name != "SciFact dev" for row in rows]
    pooled = round(cross_fitted(news), 4)
    print(f"news sets pooled, 5-fold cross-fitted ECE: {pooled:.3f}")
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
