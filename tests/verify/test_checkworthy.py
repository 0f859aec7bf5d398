"""The check-worthiness head: its scores, its file, and the embedder it belongs to."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from verify.checkworthy import HEAD_FILE, CheckworthinessHead, CheckworthinessModelError


def head() -> CheckworthinessHead:
    return CheckworthinessHead("embedder-a", np.array([2.0, -1.0], dtype=np.float32), 0.5, 0.6)


def test_scores_are_the_logistic_of_the_vectors_projection() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    expected = 1.0 / (1.0 + np.exp(-np.array([2.5, -0.5])))
    assert head().scores(vectors) == pytest.approx(expected)
    with pytest.raises(CheckworthinessModelError, match="dimension 2"):
        head().scores(np.zeros((1, 3), dtype=np.float32))


def test_it_reads_only_the_vectors_of_its_own_embedder() -> None:
    head().check("embedder-a")
    with pytest.raises(CheckworthinessModelError, match="trained on 'embedder-a' vectors"):
        head().check("embedder-b")


def test_it_round_trips_through_its_file_and_says_when_one_is_broken(tmp_path: Path) -> None:
    path = head().save(tmp_path, {"how": "test"})
    loaded = CheckworthinessHead.load(tmp_path)
    assert loaded.embedding_model == "embedder-a"
    assert loaded.threshold == 0.6
    assert loaded.weights.tolist() == [2.0, -1.0]
    assert json.loads(path.read_text(encoding="utf-8"))["fitted"] == {"how": "test"}
    values = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**values, "dimension": 3}), encoding="utf-8")
    with pytest.raises(CheckworthinessModelError, match="do not match its dimension"):
        CheckworthinessHead.load(tmp_path)
    (tmp_path / HEAD_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(CheckworthinessModelError, match="factdesk checkworthy train"):
        CheckworthinessHead.load(tmp_path)
