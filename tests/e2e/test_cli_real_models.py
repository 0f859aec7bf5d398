"""`factdesk verify` and `factdesk eval claims` in-process, with the real models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from factdesk.cli import main

pytestmark = pytest.mark.slow

CLAIMS = [
    {"id": "a", "claim": "Power of Siberia 2 was agreed.", "label": "REFUTED",
     "evidence": [{"document_id": "qa-putin-xi-visit-outcomes-2024-05",
                   "quote": "was not mentioned"}]},
    {"id": "b", "claim": "Putin and Xi signed a joint statement in Beijing.", "label": "SUPPORTED",
     "evidence": [{"document_id": "prospect-foundation-liou-2024-05",
                   "quote": "They met in Beijing, and signed the Joint Statement"}]},
    {"id": "c", "claim": "Putin promised to visit Taiwan.", "label": "NOT_ENOUGH_INFO",
     "evidence": []},
]  # fmt: skip


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, real_index_dir: Path,
               shipped_model: Path) -> Path:  # fmt: skip
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(shipped_model))
    monkeypatch.setenv("FACTDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    return tmp_path


@pytest.mark.usefixtures("configured")
def test_verify_prints_a_readable_verdict_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "Power of Siberia 2 was agreed.", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"][0]["start"] >= 0
    assert main(["verify", "Power of Siberia 2 was agreed."]) == 0
    readable = capsys.readouterr().out
    assert readable.startswith(f"{answer['verdict']}  (confidence {answer['confidence']:.2f})")
    assert f'"{answer["citations"][0]["text"]}"' in readable
    assert f"  reason: {answer['reason']['code']}: " in readable


def test_eval_claims_prints_the_figures_it_writes(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = configured / "claims.jsonl"
    claims.write_text("".join(json.dumps(c) + "\n" for c in CLAIMS), encoding="utf-8")
    out = configured / "figures.json"
    assert main(["eval", "claims", str(claims), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["n"] == 3
    assert figures["citation_claims"] == 2
    assert f"accuracy={figures['accuracy']:.4f}" in printed
    assert f"citation hit rate: {figures['citation_hit_rate']:.4f}" in printed
    assert f"p50 {figures['latency_ms']['p50']:.1f}" in printed
    assert {c["id"] for c in figures["claims"]} == {"a", "b", "c"}


def test_predictions_record_the_calibration_that_answered_and_calibrate_refits_it(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = configured / "claims.jsonl"
    claims.write_text("".join(json.dumps(c) + "\n" for c in CLAIMS), encoding="utf-8")
    calibrated, raw = configured / "calibrated.jsonl", configured / "raw.jsonl"
    assert main(["eval", "claims", str(claims), "--predictions", str(calibrated)]) == 0
    monkeypatch.setenv("FACTDESK_STANCE_CALIBRATED_CONFIDENCE", "false")
    assert main(["eval", "claims", str(claims), "--predictions", str(raw)]) == 0
    assert "wrote 3 predictions" in capsys.readouterr().out
    shipped = [json.loads(line) for line in calibrated.read_text(encoding="utf-8").splitlines()]
    unmapped = [json.loads(line) for line in raw.read_text(encoding="utf-8").splitlines()]
    assert shipped[0]["calibration"]  # the shipped model's verdict.json has one
    assert unmapped[0]["calibration"] == {}
    assert [r["verdict"] for r in shipped] == [r["verdict"] for r in unmapped]
    assert [r["label"] for r in shipped] == ["REFUTED", "SUPPORTED", "NOT_ENOUGH_INFO"]
    # Over HTTP the calibration in effect is unknown, so predictions are refused there.
    url = ["--url", "http://127.0.0.1:9"]
    assert main(["eval", "claims", str(claims), "--predictions", str(raw), *url]) == 2
    assert "drop --url" in capsys.readouterr().err
    assert main(["eval", "calibrate", str(raw), "--measure", str(calibrated)]) == 0
    assert "5-fold cross-fitted ECE" in capsys.readouterr().out


def test_a_model_without_thresholds_gets_its_first_fit(
    configured: Path, monkeypatch: pytest.MonkeyPatch, shipped_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    model = configured / "new-model"
    shutil.copytree(shipped_model, model)
    (model / "verdict.json").unlink()
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(model))
    claims = configured / "claims.jsonl"
    claims.write_text("".join(json.dumps(c) + "\n" for c in CLAIMS), encoding="utf-8")
    assert main(["verify", "Putin visited Harbin."]) == 2  # no rule yet: it says how to fit one
    assert "--fit --save" in capsys.readouterr().err
    assert main(["eval", "claims", str(claims), "--fit", "--save"]) == 0
    assert "(refute margin 0.02: the model's, not fitted)" in capsys.readouterr().out
    fitted = json.loads((model / "verdict.json").read_text(encoding="utf-8"))
    assert fitted["refute_margin"] == 0.02
    assert fitted["fitted"]["claims"].endswith("(3 claims)")
    assert main(["verify", "Putin visited Harbin."]) == 0  # and it answers with the fitted rule
