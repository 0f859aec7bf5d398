"""The training recipe end to end on a tiny slice, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factdesk.cli import main
from factdesk.core.settings import Settings, StanceSettings
from factdesk.wiring import load_stance
from verify.labels import STANCES
from verify.stance_model import StancePair

pytestmark = pytest.mark.slow


@pytest.mark.usefixtures("shared_dir")
def test_tiny_training_run_writes_a_loadable_model_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = [
        "stance",
        "train",
        "--out",
        str(out),
        "--limit-per-source",
        "2",
        "--checkpoint-every",
        "1",
        "--threads",
        "1",
        "--max-steps",
        "2",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "data: " in first
    assert "resuming" not in first
    assert (out / "checkpoint" / "state.pt").exists()  # saved after step 1 of 2

    # As if the run had been killed after its checkpoint: the same command resumes it.
    (out / "model").rename(out / "first-model")
    assert main(args) == 0
    assert "resuming at step 1/2" in capsys.readouterr().out
    assert (out / "model" / "config.json").exists()

    training = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert training["hyper_parameters"]["seed"] == 20240516
    assert training["limit_per_source"] == 2
    mix = training["data_mix"]
    assert "sick_train_NONCOMMERCIAL" not in json.dumps(mix)
    assert mix["fever_nli_dev"]["used"] == 2
    assert len(mix["fever_nli_dev"]["sha256"]) == 64
    assert mix["scifact_train"]["used"] == 2

    model = load_stance(Settings(stance=StanceSettings(threads=1)), str(out / "first-model"))
    probabilities = model.predict([StancePair("A man sleeps.", "A person rests.")])
    assert probabilities.shape == (1, len(STANCES))


@pytest.mark.usefixtures("shared_dir")
def test_refine_recipe_continues_a_model_and_records_where_it_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base"
    tiny = ["--limit-per-source", "3", "--threads", "1", "--max-steps", "1"]
    assert main(["stance", "train", "--out", str(base), *tiny]) == 0
    refined = tmp_path / "refined"
    refine = ["stance", "train", "--recipe", "refine", "--out", str(refined), *tiny]
    assert main(refine) == 2  # refine continues a model: without --init it says so
    assert "--init" in capsys.readouterr().err
    assert main([*refine, "--init", str(base / "model")]) == 0
    assert "unrelated-evidence neutrals" in capsys.readouterr().out

    training = json.loads((refined / "model" / "training.json").read_text(encoding="utf-8"))
    assert training["recipe"] == "refine"
    assert training["unrelated_neutrals"] > 0
    assert training["init"]["path"] == str(base / "model")
    assert len(training["init"]["sha256"]) == 64
    assert training["init"]["training"]["recipe"] == "base"

    # Stage three draws its crossed neutrals on SNLI sentences it does not train on.
    news = tmp_path / "news"
    stage3 = ["stance", "train", "--recipe", "news", "--out", str(news), *tiny]
    assert main([*stage3, "--init", str(refined / "model")]) == 0
    assert "crossed neutrals" in capsys.readouterr().out
    training = json.loads((news / "model" / "training.json").read_text(encoding="utf-8"))
    assert training["crossed_neutrals"] > 0
    assert set(training["crossing_sources"]) == {"snli_dev", "snli_test", "snli_train_sample"}
    assert "snli_dev" not in training["data_mix"]


@pytest.mark.usefixtures("shared_dir")
def test_a_student_distilled_from_a_teacher_records_the_teachers_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import SHIPPED_STANCE_MODEL

    teacher = SHIPPED_STANCE_MODEL.parent / "stance-minilm-l6-nc"  # trained with SciFact
    out = tmp_path / "student"
    args = ["stance", "train", "--recipe", "commercial-base", "--out", str(out)]
    tiny = ["--limit-per-source", "2", "--threads", "1", "--max-steps", "2"]
    assert main([*args, *tiny, "--teacher", str(teacher), "--distill-weight", "0.7"]) == 0
    capsys.readouterr()
    training = json.loads((out / "model" / "training.json").read_text(encoding="utf-8"))
    assert training["hyper_parameters"]["distill_weight"] == 0.7
    assert training["teacher"]["path"] == str(teacher)
    assert "scifact_train" in training["teacher"]["data_mix"]
    # The student read only commercial sources, but its teacher did not: the card says so.
    figures = tmp_path / "figures.json"
    figures.write_text(json.dumps({"benchmarks": {}}), encoding="utf-8")
    assert main(["stance", "card", str(out / "model"), "--benchmarks", str(figures)]) == 0
    card = (out / "model" / "README.md").read_text(encoding="utf-8")
    assert "Non-commercial terms come with scifact_train" in card
    assert "Every source's stated licence allows commercial use." not in card


@pytest.mark.usefixtures("shared_dir")
def test_the_fast_judge_is_distilled_from_the_grown_adapter_in_bounded_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import SHIPPED_STANCE_MODEL

    adapter = SHIPPED_STANCE_MODEL.parent / "stance-mpnet-lora"
    out = tmp_path / "distilled"
    args = [
        "stance", "train", "--recipe", "commercial-distil", "--out", str(out),
        "--init", str(SHIPPED_STANCE_MODEL), "--limit-per-source", "40", "--threads", "1",
        "--max-steps", "2",
    ]  # fmt: skip
    assert main(args) == 2  # it distils: without a teacher it says which
    assert "pass --teacher" in capsys.readouterr().err
    # A run out of time stops before its first step, saved; the same command goes on.
    assert main([*args, "--teacher", str(adapter), "--minutes", "0"]) == 0
    assert "stopped before the end, saved" in capsys.readouterr().out
    assert (out / "checkpoint" / "state.pt").exists()
    assert not (out / "model").exists()
    assert main([*args, "--teacher", str(adapter)]) == 0
    assert "resuming at step 0/2" in capsys.readouterr().out

    training = json.loads((out / "model" / "training.json").read_text(encoding="utf-8"))
    assert training["unlabelled_pool"] > 0  # on-topic pairs only the teacher can label
    assert training["hyper_parameters"]["distill_weight"] == 0.5
    # Each named by the folder it came from, not the whole model made from it.
    assert training["init"]["path"] == str(SHIPPED_STANCE_MODEL)
    assert training["teacher"]["path"] == str(adapter)
    assert training["teacher"]["training"]["recipe"] == "commercial-base"
    assert "snli_dev" in training["teacher"]["data_mix"]
