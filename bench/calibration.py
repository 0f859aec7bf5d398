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

The same predictions measure when an answer needs no review (verify.review): the precision
and coverage of the answers the shipped threshold lets through on each set (in-sample for
the news sets, held out for SciFact), the same with calibration and threshold both fitted
without the fold (news sets pooled), and the whole risk-coverage curve of each.
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
from evaluation.review import (
    CoveragePoint,
    answered,
    cross_fitted_review,
    point_at,
    risk_coverage,
)
from factdesk.core.settings import Settings
from factdesk.wiring import fitted_verdict
from verify.calibration import UNCALIBRATED, Calibration

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
    fitted = fitted_verdict(settings)
    shipped = fitted.calibration
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
        "review": review_figures(sets, news, shipped, fitted.review.min_confidence),
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")


def point(figure: CoveragePoint) -> dict[str, float | int | None]:
    return {
        "threshold": figure.threshold,
        "used": figure.used,
        "right": figure.right,
        "precision": round(figure.precision, 4),
        "covered": figure.covered,
        "decided_claims": figure.decided_claims,
        "coverage": round(figure.coverage, 4),
    }


def review_figures(
    sets: dict[str, list[Prediction]],
    news: list[Prediction],
    shipped: Calibration,
    threshold: float | None,
) -> dict[str, object]:
    every = {**sets, "news sets pooled": news}
    at_threshold = {
        name: point(point_at(rows, answered(rows, shipped), threshold))
        for name, rows in every.items()
    }
    curves = {
        name: [point(p) for p in risk_coverage(rows, answered(rows, shipped))]
        for name, rows in every.items()
        if name in ("SciFact dev", "news sets pooled")
    }
    cross = cross_fitted_review(news)
    for name, figure in at_threshold.items():
        print(
            f"{name}, answers not needing review at {threshold}: precision "
            f"{figure['precision']} ({figure['right']} of {figure['used']}), coverage "
            f"{figure['coverage']}"
        )
    print(f"news sets pooled, cross-fitted review: {cross.format()}")
    return {
        "min_confidence": threshold,
        "at_threshold": at_threshold,
        "cross_fitted_news": {**point(cross.pooled), "unfitted_folds": cross.unfitted_folds},
        "curves": curves,
    }


if __name__ == "__main__":
    main()
