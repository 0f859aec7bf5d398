"""The accurate judge's adapter, grown run by run: the data cursor, resuming with and without
the state folder, committing only a run that beats the last, a signal ending a run with its
work saved; and the backbone joined from its split-zip wheels and checked."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from evaluation.card import adapter_card
from factdesk.core.resources import resolve_path
from factdesk.core.settings import PACKAGED_EMBEDDING_MODEL
from tests.conftest import REPO_ROOT
from training.adapter import (
    ADAPTER_WEIGHTS,
    CURVE_FILE,
    PROGRESS_FILE,
    AdapterConfig,
    Predict,
    RunResult,
    batches_from,
    epoch_batches,
    grow,
)
from training.backbones import FETCHED_FILE, BackboneFetchError, SplitZipBackbone, fetch
from training.data import DataMix
from training.recipe import RECIPES
from verify.stance_model import StancePair

RECIPE = RECIPES["commercial-base"]
TINY = AdapterConfig(rank=4, alpha=8, batch_size=4, warmup_steps=2, save_every=2)


def test_the_cursor_reads_the_same_batches_whatever_step_a_run_starts_from() -> None:
    lengths = [i % 7 for i in range(10)]
    config = AdapterConfig(batch_size=3, length_bucket_batches=2)
    two_epochs = epoch_batches(lengths, config, 5, 0) + epoch_batches(lengths, config, 5, 1)
    assert len(two_epochs) == 8  # 4 batches an epoch, the last one short
    assert list(islice(batches_from(lengths, config, 5, 0), 8)) == two_epochs
    assert list(islice(batches_from(lengths, config, 5, 3), 5)) == two_epochs[3:]
    assert epoch_batches(lengths, config, 5, 0) != epoch_batches(lengths, config, 5, 1)


def _scripted(*figures: float) -> Iterator[float]:
    yield from figures


def _run(tmp_path: Path, shared_dir: Path, figure: Iterator[float], **kwargs: Any) -> RunResult:
    hp = RECIPE.hyper_parameters
    mix = DataMix(list(RECIPE.sources), shared_dir / "training", shared_dir / "benchmarks", hp.seed)
    crossing = DataMix([], shared_dir / "training", shared_dir / "benchmarks", hp.seed)
    predicted: list[int] = []

    def measure(predict: Predict) -> float:
        probabilities = predict([StancePair("A man sleeps.", "A man is asleep.")])
        predicted.append(probabilities.shape[1])
        return next(figure)

    options: dict[str, Any] = {"max_steps": 3, **kwargs}
    result = grow(
        adapter_dir=tmp_path / "adapter",
        state_dir=tmp_path / "state",
        backbone=str(resolve_path(PACKAGED_EMBEDDING_MODEL)),
        recipe=RECIPE,
        mix=mix,
        crossing=crossing,
        measure=measure,
        minutes=10,
        threads=1,
        config=TINY,
        limit_per_source=8,
        log=lambda _line: None,
        **options,
    )
    assert predicted == [3]  # the measure saw the model's three stances
    return result


def _curve(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "adapter" / CURVE_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _progress(folder: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.slow
def test_runs_resume_the_cursor_and_commit_only_an_adapter_that_beats_the_last(
    tmp_path: Path, shared_dir: Path
) -> None:
    adapter, latest = tmp_path / "adapter", tmp_path / "state" / "latest"
    first = _run(tmp_path, shared_dir, _scripted(0.5))
    assert (first.steps, first.committed, first.stopped_by) == (3, True, "steps")
    committed_weights = (adapter / ADAPTER_WEIGHTS).read_bytes()
    # The adapter is small (fp16 LoRA and head), nothing of the backbone.
    assert len(committed_weights) < 2 << 20
    assert _progress(adapter)["mnli_mm"] == 0.5

    # With its state folder the next run continues the newest weights and their optimizer.
    second = _run(tmp_path, shared_dir, _scripted(0.4))
    assert (second.steps, second.committed) == (6, False)
    assert (adapter / ADAPTER_WEIGHTS).read_bytes() == committed_weights  # worse: kept
    assert _progress(latest)["steps"] == 6
    assert (latest / "optimizer.pt").exists()

    # Without it (another machine), from the committed adapter and its cursor.
    for path in latest.iterdir():
        path.unlink()
    third = _run(tmp_path, shared_dir, _scripted(0.6))
    assert (third.steps, third.committed) == (6, True)
    assert _progress(adapter)["steps"] == 6
    assert [entry["steps"] for entry in _curve(tmp_path)] == [3, 6, 6]
    assert [entry["mnli_mm"] for entry in _curve(tmp_path)] == [0.5, 0.4, 0.6]
    assert all(entry["pairs_seen"] for entry in _curve(tmp_path))

    text = adapter_card(adapter)
    for shown in ("| 3 | ", "| 6 | ", "0.500", "0.400", "0.600"):  # every run's row
        assert shown in text
    for shown in ("allow commercial use", "Apache-2.0", "snli_dev"):  # data and licences
        assert shown in text
    assert f"--resume {adapter}" in text


@pytest.mark.slow
def test_a_signal_ends_the_run_after_its_step_with_the_work_saved_and_measured(
    tmp_path: Path, shared_dir: Path
) -> None:
    ticks = iter(range(1000))

    def clock() -> float:
        tick = next(ticks)
        if tick == 4:  # during the third step's stop check: as `kill` would
            os.kill(os.getpid(), signal.SIGTERM)
        return 0.0

    result = _run(tmp_path, shared_dir, _scripted(0.5), max_steps=None, clock=clock)
    assert result.stopped_by == "signal"
    assert 1 <= result.steps < 10
    assert _progress(tmp_path / "state" / "latest")["steps"] == result.steps
    assert _curve(tmp_path)[-1]["stopped_by"] == "signal"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


@pytest.mark.slow
def test_the_training_pairs_are_the_same_in_every_process(shared_dir: Path) -> None:
    """The cursor names pairs by position: a set's order (hash seed) must not move them."""
    script = (
        "import hashlib, sys; from pathlib import Path; from training.data import DataMix; "
        "from training.recipe import RECIPES; from training.train import training_pairs; "
        "r = RECIPES['commercial-base']; root = Path(sys.argv[1]); "
        "mix = DataMix(list(r.sources), root / 'training', root / 'benchmarks', 1); "
        "pairs, _ = training_pairs(mix, DataMix([], root, root, 1), r.hyper_parameters, 30); "
        "print(hashlib.sha256(repr([(p.premise, p.hypothesis, sorted(p.allowed)) "
        "for p in pairs]).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, str(shared_dir)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


def _split_zip_wheels(directory: Path, parts: int) -> str:
    """Wheels that carry a zip of a model folder in ``parts`` pieces; the zip's sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny-model/config.json", '{"model_type": "bert"}')
        archive.writestr("tiny-model/desktop.ini", "clutter")
        archive.writestr("tiny-model/model.safetensors", os.urandom(5000))
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    directory.mkdir()
    for index in range(parts):
        name = f"tiny_part_{index + 1:03d}"
        with zipfile.ZipFile(directory / f"{name}-0.0.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"{name}/__init__.py", "")
            piece = data[index * size : (index + 1) * size]
            wheel.writestr(f"{name}/input/tiny-model.zip.{index + 1:03d}", piece)
    return hashlib.sha256(data).hexdigest()


def test_a_split_zip_backbone_is_joined_checked_and_extracted_once(tmp_path: Path) -> None:
    digest = _split_zip_wheels(tmp_path / "wheels", 3)
    backbone = SplitZipBackbone("tiny", ("a", "b", "c"), digest, "tiny-model")
    lines: list[str] = []
    out = fetch(backbone, tmp_path / "models" / "tiny", tmp_path / "wheels", lines.append)
    assert json.loads((out / "config.json").read_text()) == {"model_type": "bert"}
    assert (out / FETCHED_FILE).read_text().strip() == digest
    assert not (out / "desktop.ini").exists()
    fetch(backbone, out, tmp_path / "wheels", lines.append)
    assert "already" in lines[-1]


def test_parts_that_do_not_join_into_the_pinned_zip_are_refused(tmp_path: Path) -> None:
    _split_zip_wheels(tmp_path / "wheels", 2)
    backbone = SplitZipBackbone("tiny", ("a", "b"), "0" * 64, "tiny-model")
    with pytest.raises(BackboneFetchError, match="not the pinned"):
        fetch(backbone, tmp_path / "tiny", tmp_path / "wheels", lambda _line: None)
    assert not (tmp_path / "tiny").exists()


@pytest.mark.slow
def test_a_grown_adapter_loads_as_a_stance_model_merged_into_its_backbone(
    tmp_path: Path, shared_dir: Path
) -> None:
    from factdesk.core.settings import StanceSettings
    from factdesk.wiring import load_stance
    from tests.fakes import fake_settings

    _run(tmp_path, shared_dir, _scripted(0.5))
    adapter = tmp_path / "adapter"
    stance = StanceSettings(
        model=str(adapter),
        accurate_backbone=str(resolve_path(PACKAGED_EMBEDDING_MODEL)),
        assembled_dir=tmp_path / "assembled",
    )
    settings = fake_settings(stance=stance)
    pairs = [StancePair("A man sleeps on a bench.", "A man is asleep."),
             StancePair("A man sleeps on a bench.", "A man runs a marathon.")]  # fmt: skip
    merged = load_stance(settings).predict(pairs)
    assert merged.shape == (2, 3)
    assert merged.sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)
    assert len(list((tmp_path / "assembled").iterdir())) == 1  # merged once, then reused
    load_stance(settings)
    assert len(list((tmp_path / "assembled").iterdir())) == 1


def test_the_accurate_profile_names_the_adapter_unless_a_model_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from factdesk.core.settings import SHIPPED_STANCE_MODEL, StanceSettings

    assert StanceSettings().model == SHIPPED_STANCE_MODEL
    monkeypatch.setenv("FACTDESK_STANCE_PROFILE", "accurate")
    assert StanceSettings().model == "pkg:factdesk/models/stance-mpnet-lora"
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", "var/models/mine")
    assert StanceSettings().model == "var/models/mine"
