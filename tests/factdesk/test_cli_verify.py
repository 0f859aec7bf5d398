import json
from pathlib import Path
from typing import Any

import pytest

from factdesk.cli import eval as eval_command
from factdesk.cli import main
from factdesk.cli import verify as verify_command
from factdesk.cli._common import current_verifier, database_sessions
from factdesk.cli.verify import _stance
from factdesk.core.settings import AuditSettings
from index.corpus import Document, load_corpus
from index.store import build_index
from service.documents.repository import CorpusRepository
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import (
    FakeStanceModel,
    HashingEmbedder,
    fake_pipeline_factory,
    fake_settings,
    fake_spec,
)
from verify.labels import Stance


def test_a_citation_without_a_stance_is_shown_as_stating_nothing() -> None:
    heading: dict[str, Any] = {"stance": None, "stance_probabilities": {}, "decisive": False}
    assert _stance(heading) == "no stance: states nothing"


def test_the_decisive_citation_is_marked() -> None:
    probabilities = {"SUPPORTS": 0.1, "REFUTES": 0.8, "NEUTRAL": 0.1}
    citation = {"stance": "REFUTES", "stance_probabilities": probabilities, "decisive": True}
    assert _stance(citation) == "REFUTES 0.80, decisive"
    assert _stance({**citation, "decisive": False}) == "REFUTES 0.80"


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err  # before: an httpx traceback
    return err


def test_verify_against_a_server_sends_the_key_and_says_when_it_lacks_one(
    server: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, key = server
    monkeypatch.delenv("FACTDESK_API_KEY", raising=False)
    claim = "Putin and Xi signed a joint statement in Beijing."
    assert main(["verify", claim, "--url", url]) == 2
    assert "401" in (err := _one_line_error(capsys))
    assert "FACTDESK_API_KEY" in err
    assert main(["verify", claim, "--url", url, "--key", "wrong"]) == 2
    assert "401" in _one_line_error(capsys)
    assert main(["verify", claim, "--url", url, "--key", key, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "SUPPORTED"
    monkeypatch.setenv("FACTDESK_API_KEY", key)
    assert main(["verify", claim, "--url", url]) == 0
    assert capsys.readouterr().out.startswith("SUPPORTED")


def test_a_non_claim_and_a_missing_file_are_refused_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_models(_settings: object) -> object:
        raise AssertionError("models were loaded")

    monkeypatch.setattr(verify_command, "local_verifier", no_models)
    monkeypatch.setattr(eval_command, "local_verifier", no_models)
    assert main(["verify", "1234"]) == 2
    assert "two words" in _one_line_error(capsys)
    assert main(["eval", "claims", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl: cannot be read" in _one_line_error(capsys)  # before: a traceback


def test_local_verify_answers_from_the_databases_newest_version_and_removes_nothing(
    tmp_path: Path,
) -> None:
    """Before: a document added through the API was invisible to `factdesk verify` (the
    server SUPPORTED, the command NOT_ENOUGH_INFO)."""
    index_dir = tmp_path / "index"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    settings = fake_settings(
        audit=AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"),
        segments_dir=tmp_path / "segments",
        min_relevance=0.0,
    )
    stance = FakeStanceModel({"signed the charter": Stance.SUPPORTS})
    pipeline = fake_pipeline_factory(index_dir, stance)(settings)
    claim = "Norway signed the charter of the Svalbard Arctic station."
    assert current_verifier(settings, pipeline).verify(claim).verdict.value == "NOT_ENOUGH_INFO"
    with database_sessions(settings) as sessions:  # what a server and an admin did
        repository = CorpusRepository(sessions)
        repository.seed(sorted(pipeline.index.documents.values(), key=lambda d: d.id), "seed")
        norway = Document("norway", "Norway signed the charter of the Svalbard Arctic station.")
        repository.add([norway], "added by an admin")
    in_use = tmp_path / "segments" / "seg-000000000000000000000000"  # a server's, say
    in_use.mkdir(parents=True)
    answer = current_verifier(settings, pipeline).verify(claim)
    assert answer.verdict.value == "SUPPORTED"
    assert answer.citations[0].document_id == "norway"
    assert answer.index.version == 2
    assert in_use.is_dir()
