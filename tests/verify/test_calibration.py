"""Verdict calibration: the maps, their file form, and the verifier answering through them."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from factdesk.core.resources import resolve_model_ref
from factdesk.core.settings import SHIPPED_STANCE_MODEL
from factdesk.wiring import (
    VerdictThresholdsMissingError,
    fitted_verdict,
    make_judge,
    verdict_calibration,
)
from tests.fakes import FakeStanceModel, fake_settings, fake_verifier
from tests.verify.test_verifier import MODEL_ALONE, indexed
from verify.calibration import (
    UNCALIBRATED,
    Calibration,
    CalibrationError,
    PlattMap,
    logit,
    sigmoid,
)
from verify.labels import Stance
from verify.review import UNFITTED, ReviewPolicy, ReviewReason
from verify.verdict import (
    Verdict,
    VerdictRule,
    read_verdict_rule,
    write_verdict_calibration,
    write_verdict_rule,
)


def test_the_identity_map_keeps_a_confidence() -> None:
    assert PlattMap()(0.73) == pytest.approx(0.73)
    assert UNCALIBRATED(Verdict.SUPPORTED, 0.42) == 0.42
    assert sigmoid(logit(0.2)) == pytest.approx(0.2)


def test_a_map_after_another_is_the_two_applied_in_turn() -> None:
    inner, outer = PlattMap(0.6, -0.3), PlattMap(1.7, 0.4)
    for confidence in (0.05, 0.4, 0.8, 0.97):
        assert outer.after(inner)(confidence) == pytest.approx(outer(inner(confidence)))
    first = Calibration({Verdict.SUPPORTED: inner})
    second = Calibration({Verdict.SUPPORTED: outer, Verdict.REFUTED: outer})
    both = second.after(first)
    assert both(Verdict.SUPPORTED, 0.8) == pytest.approx(outer(inner(0.8)))
    assert both(Verdict.REFUTED, 0.8) == pytest.approx(outer(0.8))  # no inner map: identity


def test_the_file_form_round_trips_and_bad_forms_say_what_is_wrong() -> None:
    calibration = Calibration({Verdict.REFUTED: PlattMap(0.5, -0.25)})
    assert Calibration.from_mapping(calibration.as_mapping(), "t") == calibration
    for bad in (
        [1, 2],
        {"MAYBE": {"slope": 1, "intercept": 0}},
        {"REFUTED": {"slope": 1}},
        {"REFUTED": {"slope": "1", "intercept": 0}},
        {"REFUTED": {"slope": float("nan"), "intercept": 0}},
    ):
        with pytest.raises(CalibrationError, match="calibration"):
            Calibration.from_mapping(bad, "verdict.json")


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """The shipped model's rule alone, without its calibration: the test adds one."""
    folder = tmp_path / "model"
    folder.mkdir()
    shipped = Path(resolve_model_ref(SHIPPED_STANCE_MODEL)) / "verdict.json"
    write_verdict_rule(folder / "verdict.json", read_verdict_rule(shipped), {"from": "shipped"})
    return folder


def test_the_verifier_answers_with_the_calibrated_confidence(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(model_dir))
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    index = indexed(tmp_path, window=2, stride=1)
    claim = "Power of Siberia 2 pipeline was agreed."
    raw = fake_verifier(index, stance, default_top_k=3, **MODEL_ALONE)
    before = raw.verify(claim)
    assert before.verdict is Verdict.REFUTED

    rule = read_verdict_rule(model_dir / "verdict.json")
    write_verdict_calibration(
        model_dir / "verdict.json",
        {"REFUTED": {"slope": 0.5, "intercept": -0.2}},
        {"predictions": "test"},
        {"min_confidence": 0.0},
    )
    assert read_verdict_rule(model_dir / "verdict.json") == rule  # the rule is kept
    settings = fake_settings(default_top_k=3, **MODEL_ALONE)
    assert verdict_calibration(settings)(Verdict.REFUTED, 0.9) == pytest.approx(
        PlattMap(0.5, -0.2)(0.9)
    )
    after = fake_verifier(index, stance, default_top_k=3, **MODEL_ALONE)
    answer = after.verify(claim)
    assert answer.verdict is Verdict.REFUTED
    assert answer.confidence == pytest.approx(PlattMap(0.5, -0.2)(before.confidence), abs=1e-3)
    assert answer.reason == before.reason  # the reason speaks of the raw stance
    assert before.review is ReviewReason.LOW_CONFIDENCE  # no threshold fitted: an editor looks
    assert answer.review is None  # at least the fitted threshold: usable as it is

    off = fake_settings(calibrated_confidence=False)
    assert verdict_calibration(off) is UNCALIBRATED
    # The threshold was fitted on calibrated confidences: raw ones need an editor.
    assert fitted_verdict(off).review is UNFITTED
    assert fitted_verdict(settings).review == ReviewPolicy(0.0)
    chosen = fake_settings(default_top_k=3, review_min_confidence=0.95, **MODEL_ALONE)
    assert fitted_verdict(chosen).review == ReviewPolicy(0.95)  # a setting overrides it
    values = json.loads((model_dir / "verdict.json").read_text(encoding="utf-8"))
    assert values["calibration_fitted"] == {"predictions": "test"}


def test_a_rule_fitted_for_other_weights_is_used_and_said(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(model_dir))
    rule = read_verdict_rule(model_dir / "verdict.json")
    stance = FakeStanceModel({})  # its weights' checksum is "0"
    write_verdict_rule(model_dir / "verdict.json", rule, {"weights": "0"})
    with caplog.at_level(logging.WARNING, logger="factdesk"):
        assert make_judge(fake_settings(), stance).rule == rule
    assert not caplog.records
    write_verdict_rule(model_dir / "verdict.json", rule, {"weights": "4f2a"})
    with caplog.at_level(logging.WARNING, logger="factdesk"):
        assert make_judge(fake_settings(), stance).rule == rule  # it still answers
    assert "was fitted for weights 4f2a, these are 0: refit it" in caplog.text


def test_a_model_without_a_verdict_file_takes_its_whole_rule_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(tmp_path))  # a folder without verdict.json
    rule = {"support_threshold": 0.6, "refute_threshold": 0.7, "conflict_threshold": 0.9,
            "min_relevance": 0.3}  # fmt: skip
    with pytest.raises(VerdictThresholdsMissingError, match="or set FACTDESK_REFUTE_MARGIN"):
        fitted_verdict(fake_settings(**rule))
    fitted = fitted_verdict(fake_settings(**rule, refute_margin=0.02))
    assert fitted.rule == VerdictRule(0.6, 0.7, 0.9, 0.3, 0.02)
    assert fitted.calibration is UNCALIBRATED
    assert fitted.review is UNFITTED  # nothing fitted: every answer goes to an editor
    assert fitted.fitted_for is None
