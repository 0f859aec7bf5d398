"""Training the check-worthiness head: the metric, the fit, the choice of settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import HashingEmbedder
from training.checkworthy import SPLITS, best_threshold, f1_at, fit_logistic, train_head


def test_f1_is_that_of_the_check_worthy_class_at_the_threshold() -> None:
    scores = np.array([0.9, 0.8, 0.4, 0.3, 0.2])
    labels = np.array([1, 0, 1, 0, 0])
    at = f1_at(scores, labels, 0.5)  # flags 0.9 (right) and 0.8 (wrong); misses 0.4
    assert (at.precision, at.recall, at.f1) == (0.5, 0.5, 0.5)
    best = best_threshold(scores, labels)
    assert best.threshold == 0.4  # flags three, both check-worthy among them: F1 0.8
    assert best.f1 == pytest.approx(0.8)


def test_the_logistic_fit_separates_what_is_separable() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 4)).astype(np.float32)
    labels = (vectors[:, 0] > 0).astype(np.int64)
    weights, bias = fit_logistic(vectors, labels, l2=1e-4, positive_weight=1.0)
    predicted = (vectors @ weights + bias > 0).astype(np.int64)
    assert (predicted == labels).mean() > 0.95
    assert abs(weights[0]) > 5 * max(abs(weights[1:]))


def write_split(path: Path, rows: list[tuple[str, int]]) -> None:
    path.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in rows),
        encoding="utf-8",
    )


def test_a_head_is_chosen_on_dev_and_measured_on_dev_test(tmp_path: Path) -> None:
    claims = [f"Unemployment fell to {n} percent in {1990 + n}." for n in range(30)]
    chatter = [f"Thank you, moderator number {n}, it is good to be here." for n in range(30)]
    rows = [(c, 1) for c in claims] + [(c, 0) for c in chatter]
    for name, file in SPLITS.items():
        write_split(tmp_path / file, rows if name == "train" else rows[::3])
    trained = train_head(HashingEmbedder(), tmp_path, log=lambda _: None)
    assert trained.head.embedding_model == HashingEmbedder().name
    assert set(trained.fitted["figures"]) == {"train", "dev", "dev_test"}
    assert len(trained.fitted["tried"]) == 8  # every L2 with both weights of the positives
    assert trained.fitted["figures"]["dev_test"]["f1"] > 0.9
    assert len(trained.fitted["data"]["train"]["sha256"]) == 64
