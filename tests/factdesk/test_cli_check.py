"""`factdesk check FILE|-`: a draft's check-worthy sentences verified, here or by a server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from factdesk.cli import check as check_command
from factdesk.cli import main
from factdesk.core.settings import AuditSettings
from index.corpus import load_corpus
from index.store import build_index
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import (
    FakeStanceModel,
    HashingEmbedder,
    fake_pipeline_factory,
    fake_settings,
    fake_spec,
)
from verify.labels import Stance

DRAFT = (
    "Putin visited Beijing in May 2024. Russia and China signed a joint statement.\n\n"
    "Thank you all. Did they discuss the pipeline?"
)


@pytest.fixture
def fake_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`factdesk check` without a server runs on the fakes, with its own database."""
    index_dir = tmp_path / "index"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    factory = fake_pipeline_factory(index_dir, FakeStanceModel({"signed": Stance.SUPPORTS}))
    monkeypatch.setattr(check_command, "load_pipeline", factory)
    monkeypatch.setenv("FACTDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.setenv("FACTDESK_MIN_RELEVANCE", "0")


def test_a_draft_checked_here_keeps_every_span(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    settings = fake_settings(
        audit=AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"), min_relevance=0.0
    )
    factory = fake_pipeline_factory(index_dir, FakeStanceModel({"signed": Stance.SUPPORTS}))
    progress: list[tuple[int, int]] = []
    draft = check_command.check_here(
        DRAFT, settings, factory, lambda _stage, done, total: progress.append((done, total))
    )
    body = check_command.draft_body(DRAFT, None, draft)
    for sentence in body["sentences"]:
        assert DRAFT[sentence["start"] : sentence["end"]] == sentence["text"]
    verified = [s["answer"] for s in body["sentences"] if s["answer"]]
    assert [a["claim"] for a in verified] == [
        "Putin visited Beijing in May 2024.",
        "Russia and China signed a joint statement.",
    ]
    assert verified[1]["verdict"] == "SUPPORTED"
    assert body["summary"]["verified"] == 2
    assert body["summary"]["verdicts"]["SUPPORTED"] >= 1
    assert progress == [(2, 2)]


@pytest.mark.usefixtures("fake_models")
def test_check_reads_standard_input_and_prints_each_claim(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DRAFT))
    assert main(["check", "-", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("standard input: 4 sentences, 2 check-worthy")
    assert "SUPPORTED" in out
    assert "evidence: " in out
    assert "not check-worthy" in out  # --all lists the others too


@pytest.mark.usefixtures("fake_models")
def test_a_missing_file_or_a_draft_without_claims_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "draft.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "draft.txt not found" in err
    assert "- to read" in err
    empty = tmp_path / "thanks.txt"
    empty.write_text("Thank you all for coming.", encoding="utf-8")
    assert main(["check", str(empty)]) == 2
    assert "nothing was verified" in capsys.readouterr().err


def test_check_asks_a_server_which_audits_it(
    server: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, key = server
    page = tmp_path / "draft.html"
    page.write_text(f"<html><body><article><p>{DRAFT}</p></article></body></html>")
    assert main(["check", str(page), "--url", url, "--key", key, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["source"] == "draft.html"
    assert body["id"]  # the server audited it
    assert body["summary"]["check_worthy"] == 2
    assert main(["check", str(page), "--url", url]) == 2
    assert "401" in capsys.readouterr().err
