"""`factdesk serve --index DIR`: the index's manifest names the corpus it is checked against."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factdesk.cli.serve import _index_settings
from factdesk.core.errors import InvalidInputError
from factdesk.core.settings import Settings
from index.corpus import load_corpus
from index.store import build_index
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import HashingEmbedder, fake_spec


def test_serve_index_reads_its_corpus_from_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "index"
    build_index(
        load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), out, corpus=str(SAMPLE_CORPUS)
    )
    settings = _index_settings(Settings(), out)
    assert settings.index.index_dir == out
    assert settings.index.corpus_dir == str(SAMPLE_CORPUS)
    assert settings.index.check_corpus_fingerprint


def test_an_index_that_names_no_corpus_is_served_from_its_own_documents(tmp_path: Path) -> None:
    out = tmp_path / "index"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corpus"] is None
    assert not _index_settings(Settings(), out).index.check_corpus_fingerprint


def test_a_folder_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"factdesk index build --out"):
        _index_settings(Settings(), tmp_path)
