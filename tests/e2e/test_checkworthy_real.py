"""The shipped check-worthiness classifier and head with the real models, and the training
command of each."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from factdesk.cli import main
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder
from index.corpus import load_corpus
from tests.conftest import REPO_ROOT, SAMPLE_CORPUS
from training.checkworthy import SPLITS, f1_at, read_split
from verify.article import ArticleReader
from verify.checkworthy import (
    CheckworthinessHead,
    ClassifierScorer,
    HeadScorer,
    load_checkworthiness,
)

pytestmark = pytest.mark.slow

SHIPPED = REPO_ROOT / "factdesk" / "models" / "checkworthy-minilm-classifier"
SHIPPED_HEAD = REPO_ROOT / "factdesk" / "models" / "checkworthy-minilm"
CLAIM = "Unemployment fell to 3.5 percent in 2019, the lowest in fifty years."
CHATTER = "Thank you all very much for being here tonight."


def _dev_test(shared_dir: Path) -> tuple[list[str], np.ndarray]:
    split = read_split(shared_dir / "training" / "checkworthy" / SPLITS["dev_test"])
    return split.texts, split.labels


def test_the_shipped_classifier_flags_claims_and_reproduces_its_card(shared_dir: Path) -> None:
    settings = Settings()
    scorer = load_checkworthiness(SHIPPED, load_embedder(settings), threads=2)
    assert isinstance(scorer, ClassifierScorer)
    claim, chatter = scorer.scores([CLAIM, CHATTER])
    assert claim >= scorer.threshold > chatter
    # The held-out figure on its card comes from these weights.
    texts, labels = _dev_test(shared_dir)
    figures = f1_at(scorer.scores(texts), labels, scorer.threshold)
    recorded = json.loads((SHIPPED / "classifier.json").read_text(encoding="utf-8"))
    assert figures.f1 == pytest.approx(recorded["fitted"]["figures"]["dev_test"]["f1"], abs=0.01)
    assert f"**{figures.f1:.3f}**" in (SHIPPED / "README.md").read_text(encoding="utf-8")


def test_the_shipped_head_still_loads_over_the_default_embedder(shared_dir: Path) -> None:
    settings = Settings()
    embedder = load_embedder(settings)
    head = CheckworthinessHead.load(SHIPPED_HEAD)
    scorer = HeadScorer(embedder, head)  # trained on the default embedder's vectors
    claim, chatter = scorer.scores([CLAIM, CHATTER])
    assert claim >= scorer.threshold > chatter
    texts, labels = _dev_test(shared_dir)
    figures = f1_at(scorer.scores(texts), labels, head.threshold)
    recorded = json.loads((SHIPPED_HEAD / "head.json").read_text(encoding="utf-8"))
    assert figures.f1 == pytest.approx(recorded["fitted"]["figures"]["dev_test"]["f1"], abs=0.01)


def _first_rows(shared_dir: Path, folder: Path, rows: int) -> Path:
    folder.mkdir()
    for file in SPLITS.values():  # the first rows of each split: the command, not the figure
        lines = (shared_dir / "training" / "checkworthy" / file).read_text(encoding="utf-8")
        (folder / file).write_text("".join(lines.splitlines(keepends=True)[:rows]), "utf-8")
    return folder


def test_the_training_command_writes_a_classifier_and_its_card(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _first_rows(shared_dir, tmp_path / "data", 96)
    out = tmp_path / "classifier"
    assert main(["checkworthy", "train", "--data", str(data), "--out", str(out)]) == 0
    assert "dev_test: F1 " in capsys.readouterr().out
    scorer = load_checkworthiness(out, load_embedder(Settings()), threads=2)
    assert isinstance(scorer, ClassifierScorer)
    assert scorer.scores([CLAIM]).shape == (1,)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "factdesk checkworthy train --recipe classifier" in card
    assert "| step | sentences seen | dev F1 | threshold |" in card


def test_the_training_command_writes_a_head_and_its_card(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _first_rows(shared_dir, tmp_path / "data", 200)
    out = tmp_path / "head"
    assert (
        main(["checkworthy", "train", "--recipe", "head", "--data", str(data), "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "dev_test: F1 " in printed
    assert CheckworthinessHead.load(out).embedding_model == Settings().embedding.model
    assert "factdesk checkworthy train --recipe head --out" in (out / "README.md").read_text(
        encoding="utf-8"
    )


def test_a_sample_article_is_read_into_sentences_some_of_them_claims() -> None:
    settings = Settings()
    reader = ArticleReader(load_checkworthiness(SHIPPED, load_embedder(settings), 2))
    document = load_corpus(SAMPLE_CORPUS)[0]
    sentences = reader.sentences(document.text)
    assert all(document.text[s.start : s.end] == s.text for s in sentences)
    claims = [s for s in sentences if s.check_worthy]
    # An analysis of a state visit: many sentences state facts, not all of them.
    assert 0 < len(claims) < len(sentences)
    assert all(s.text.rstrip()[-1] != "?" for s in claims)
