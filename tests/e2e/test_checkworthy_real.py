"""The shipped check-worthiness head with the real embedder, and its training command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factdesk.cli import main
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder
from index.corpus import load_corpus
from tests.conftest import REPO_ROOT, SAMPLE_CORPUS
from training.checkworthy import SPLITS, f1_at, read_split
from verify.article import ArticleReader
from verify.checkworthy import CheckworthinessHead

pytestmark = pytest.mark.slow

SHIPPED = REPO_ROOT / "factdesk" / "models" / "checkworthy-minilm"


def test_the_shipped_head_flags_claims_and_reproduces_its_card(shared_dir: Path) -> None:
    settings = Settings()
    embedder = load_embedder(settings)
    head = CheckworthinessHead.load(SHIPPED)
    head.check(embedder.name)  # trained on the default embedder's vectors
    claim, chatter = head.scores(
        embedder.embed(
            [
                "Unemployment fell to 3.5 percent in 2019, the lowest in fifty years.",
                "Thank you all very much for being here tonight.",
            ]
        )
    )
    assert claim >= head.threshold > chatter
    # The held-out figure on its card comes from these weights.
    dev_test = read_split(shared_dir / "training" / "checkworthy" / SPLITS["dev_test"])
    figures = f1_at(head.scores(embedder.embed(dev_test.texts)), dev_test.labels, head.threshold)
    recorded = json.loads((SHIPPED / "head.json").read_text(encoding="utf-8"))
    assert figures.f1 == pytest.approx(recorded["fitted"]["figures"]["dev_test"]["f1"], abs=0.01)
    assert f"**{figures.f1:.3f}**" in (SHIPPED / "README.md").read_text(encoding="utf-8")


def test_the_training_command_writes_a_head_and_its_card(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for file in SPLITS.values():  # the first rows of each split: the command, not the figure
        lines = (shared_dir / "training" / "checkworthy" / file).read_text(encoding="utf-8")
        (data / file).write_text("".join(lines.splitlines(keepends=True)[:200]), "utf-8")
    out = tmp_path / "head"
    assert main(["checkworthy", "train", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dev_test: F1 " in printed
    assert CheckworthinessHead.load(out).embedding_model == Settings().embedding.model
    assert "factdesk checkworthy train --out" in (out / "README.md").read_text(encoding="utf-8")


def test_a_sample_article_is_read_into_sentences_some_of_them_claims() -> None:
    settings = Settings()
    reader = ArticleReader(load_embedder(settings), CheckworthinessHead.load(SHIPPED))
    document = load_corpus(SAMPLE_CORPUS)[0]
    sentences = reader.sentences(document.text)
    assert all(document.text[s.start : s.end] == s.text for s in sentences)
    claims = [s for s in sentences if s.check_worthy]
    # An analysis of a state visit: many sentences state facts, not all of them.
    assert 0 < len(claims) < len(sentences)
    assert all(s.text.rstrip()[-1] != "?" for s in claims)
