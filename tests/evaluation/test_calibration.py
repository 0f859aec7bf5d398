"""Fitting and measuring the verdict calibration, and `factdesk eval calibrate`."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from evaluation.calibration import (
    Prediction,
    cross_fitted,
    expected_calibration_error,
    figures,
    fit_calibration,
    fit_platt,
)
from factdesk.cli import main
from factdesk.core.resources import resolve_model_ref
from factdesk.core.settings import SHIPPED_STANCE_MODEL
from verify.calibration import UNCALIBRATED, Calibration
from verify.verdict import Verdict


def test_ece_is_the_weighted_gap_between_accuracy_and_confidence() -> None:
    # Ten at 0.9 of which 6 right (gap 0.3), ten at 0.55 of which 5 right (gap 0.05).
    confidences = [0.9] * 10 + [0.55] * 10
    right = [True] * 6 + [False] * 4 + [True] * 5 + [False] * 5
    assert expected_calibration_error(confidences, right) == pytest.approx(0.175)
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0


def overconfident(count: int, seed: int) -> list[Prediction]:
    """SUPPORTED answered at about 0.9 but right 60% of the time; NOT_ENOUGH_INFO at 0.6
    and right 85% of the time."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        if rng.random() < 0.5:
            right = rng.random() < 0.6
            label = Verdict.SUPPORTED if right else Verdict.REFUTED
            rows.append(Prediction(label, Verdict.SUPPORTED, rng.uniform(0.85, 0.95)))
        else:
            right = rng.random() < 0.85
            label = Verdict.NOT_ENOUGH_INFO if right else Verdict.SUPPORTED
            rows.append(Prediction(label, Verdict.NOT_ENOUGH_INFO, rng.uniform(0.55, 0.65)))
    return rows


def test_a_fit_brings_overconfident_verdicts_to_their_accuracy() -> None:
    train, held_out = overconfident(400, seed=1), overconfident(400, seed=2)
    assert figures(held_out, UNCALIBRATED).ece > 0.2
    fitted = fit_calibration(train)
    assert fitted(Verdict.SUPPORTED, 0.9) == pytest.approx(0.6, abs=0.06)
    assert fitted(Verdict.NOT_ENOUGH_INFO, 0.6) == pytest.approx(0.85, abs=0.06)
    assert figures(held_out, fitted).ece < 0.06
    assert cross_fitted(train) < 0.08  # each fold's fit sees 320 claims, and is shrunk


def test_a_fit_on_all_right_predictions_stays_finite() -> None:
    fitted = fit_platt([0.7, 0.8, 0.9], [True, True, True])
    assert 0.5 < fitted(0.8) < 1.0


def test_a_surer_judge_is_never_believed_less() -> None:
    # Right less often at higher confidence: noise to a monotone map, so the base rate.
    right = [True] * 27 + [False] * 3 + [True] * 6 + [False] * 24
    fitted = fit_platt([0.6] * 30 + [0.9] * 30, right)
    assert fitted.slope == 0.0
    assert fitted(0.6) == fitted(0.9) == pytest.approx(33.5 / 61)


def test_a_rare_verdict_shares_the_pooled_map() -> None:
    rows = overconfident(200, seed=3) + [Prediction(Verdict.REFUTED, Verdict.REFUTED, 0.9)] * 3
    fitted = fit_calibration(rows)
    stance_based = [p for p in rows if p.verdict is not Verdict.NOT_ENOUGH_INFO]
    pooled = fit_platt([p.confidence for p in stance_based], [p.right for p in stance_based])
    assert fitted.maps[Verdict.REFUTED] == pooled


def test_refutations_by_a_check_are_neither_fitted_nor_mapped() -> None:
    model_rows = overconfident(200, seed=7)
    # Check refutations answered at 0.8 and right 8 times in 10: already calibrated.
    by_check = [
        Prediction(label, Verdict.REFUTED, 0.8, by_check=True)
        for label in [Verdict.REFUTED] * 8 + [Verdict.SUPPORTED] * 2
    ]
    fitted = fit_calibration(model_rows + by_check)
    assert fitted.maps == fit_calibration(model_rows).maps
    assert [p.answered(fitted) for p in by_check] == [0.8] * 10
    # Mapped like the model's refutations, they would count against the fit.
    mapped = [Prediction(p.label, p.verdict, p.confidence) for p in by_check]
    assert figures(model_rows + by_check, fitted).ece < figures(model_rows + mapped, fitted).ece


def write(path: Path, rows: list[Prediction], calibration: Calibration) -> None:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "claim": f"claim {i}",
                    "label": p.label.value,
                    "verdict": p.verdict.value,
                    "confidence": p.confidence,
                    **({"reason": "refuted_by_check"} if p.by_check else {}),
                    "calibration": calibration.as_mapping(),
                }
            )
            + "\n"
            for i, p in enumerate(rows)
        ),
        encoding="utf-8",
    )


def test_calibrate_saves_beside_the_rule_and_composes_with_the_one_in_effect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    shutil.copy(Path(resolve_model_ref(SHIPPED_STANCE_MODEL)) / "verdict.json", model)
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(model))
    rows, held = overconfident(300, seed=4), overconfident(300, seed=5)
    write(tmp_path / "fit.jsonl", rows, UNCALIBRATED)
    write(tmp_path / "held.jsonl", held, UNCALIBRATED)
    argv = ["eval", "calibrate", str(tmp_path / "fit.jsonl"), "--measure"]
    assert main([*argv, str(tmp_path / "held.jsonl"), "--save"]) == 0
    out = capsys.readouterr().out
    assert "5-fold cross-fitted ECE" in out
    assert "recalibrated (held out)" in out
    saved = json.loads((model / "verdict.json").read_text(encoding="utf-8"))
    first = Calibration.from_mapping(saved["calibration"], "saved")
    assert saved["support_threshold"] > 0  # the rule stays
    # Sampling noise alone leaves about 0.05 of ECE on 300 claims; raw it is over 0.2.
    fitted = saved["calibration_fitted"]
    assert fitted["ece_cross_fitted"] < fitted["ece_as_answered"] / 2
    # SUPPORTED is right 60% of the time at any confidence: nothing may go out unreviewed.
    assert "risk-coverage, recalibrated, in sample (300 claims)" in out
    assert saved["review"]["min_confidence"] is None
    assert saved["review"]["target_precision"] == 0.9

    # Predictions answered under that calibration: the next fit is folded into it.
    answered = [Prediction(p.label, p.verdict, first(p.verdict, p.confidence)) for p in held]
    write(tmp_path / "again.jsonl", answered, first)
    assert main(["eval", "calibrate", str(tmp_path / "again.jsonl"), "--save"]) == 0
    capsys.readouterr()
    again = json.loads((model / "verdict.json").read_text(encoding="utf-8"))
    second = Calibration.from_mapping(again["calibration"], "saved")
    # Already calibrated: refitting moves the raw-to-final map only a little.
    assert second(Verdict.SUPPORTED, 0.9) == pytest.approx(first(Verdict.SUPPORTED, 0.9), abs=0.05)


def test_predictions_from_different_calibrations_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = overconfident(30, seed=6)
    write(tmp_path / "a.jsonl", rows, UNCALIBRATED)
    write(
        tmp_path / "b.jsonl",
        rows,
        Calibration.from_mapping({"SUPPORTED": {"slope": 2, "intercept": 0}}, "t"),
    )
    assert main(["eval", "calibrate", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]) == 2
    assert "different calibrations" in capsys.readouterr().err
    (tmp_path / "c.jsonl").write_text('{"label": "SUPPORTED"}\n', encoding="utf-8")
    assert main(["eval", "calibrate", str(tmp_path / "c.jsonl")]) == 2
    assert "c.jsonl:1: expected label, verdict and confidence" in capsys.readouterr().err
