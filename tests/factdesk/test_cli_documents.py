"""`factdesk documents` as an operator runs it: files, folders and JSONL into the database
as one corpus version each, which running servers load (tests/service/test_replicas.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factdesk.cli import main
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import pdf_with_text


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'factdesk.db'}"
    monkeypatch.setenv("FACTDESK_DATABASE_URL", url)
    return url


@pytest.mark.usefixtures("database")
def test_add_list_and_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "svalbard-station.txt"
    note.write_text(
        "Norway opens an Arctic research station\n\nTwelve scientists moved in on 3 May.",
        encoding="utf-8",
    )
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(pdf_with_text("Xi met Putin in Beijing on 16 May.", "A brief"))
    rows = tmp_path / "wire.jsonl"
    rows.write_text(
        json.dumps({"id": "wire-1", "text": "Rosatom signed a contract.", "publisher": "Wire"})
        + "\n",
        encoding="utf-8",
    )
    assert main(["documents", "add", str(note), str(brief), str(rows), str(SAMPLE_CORPUS)]) == 0
    assert "added 8 document(s) as corpus version 1" in capsys.readouterr().out

    assert main(["documents", "list"]) == 0
    listing = capsys.readouterr().out
    assert "corpus version 1: 8 document(s)" in listing
    assert "Norway opens an Arctic research station" in listing  # the first line as title
    assert "A brief" in listing  # the PDF's metadata title

    assert main(["documents", "add", str(note)]) == 1  # nothing new: said, not added twice
    assert "skipped svalbard-station: document 'svalbard-station' exists" in (
        capsys.readouterr().out
    )
    assert main(["documents", "rm", "svalbard-station", "wire-1"]) == 0
    assert "as corpus version 2" in capsys.readouterr().out
    assert main(["documents", "versions"]) == 0
    versions = capsys.readouterr().out.splitlines()
    assert versions[0].startswith("v2")
    assert "-svalbard-station" in versions[0]


@pytest.mark.usefixtures("database")
def test_the_same_text_twice_in_one_add_is_added_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("first.txt", "copy.txt"):
        (tmp_path / name).write_text("Xi met Putin in Beijing on 16 May.", encoding="utf-8")
    assert main(["documents", "add", str(tmp_path / "copy.txt"), str(tmp_path / "first.txt")]) == 0
    printed = capsys.readouterr().out
    assert "skipped first: the same text is already document 'copy'" in printed
    assert "added 1 document(s) as corpus version 1, skipped 1" in printed


@pytest.mark.usefixtures("database")
def test_errors_are_one_line_that_says_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["documents", "rm", "nobody"]) == 2
    assert capsys.readouterr().err.strip() == "factdesk: error: document 'nobody' not found"
    (tmp_path / "x.exe").write_bytes(b"MZ")
    assert main(["documents", "add", str(tmp_path / "x.exe")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert ".txt, .md" in error
    assert main(["documents", "add", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.usefixtures("database")
def test_import_embeds_a_segment_then_records_one_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from factdesk.core.settings import Settings
    from factdesk.wiring import load_embedder, segment_store

    rows = tmp_path / "wire.jsonl"
    stories = [
        {
            "id": f"wire-{n}",
            "text": f"Story {n}: the talks on route {n} stalled. Nothing was signed.",
        }
        for n in range(6)
    ]
    rows.write_text("".join(json.dumps(s) + "\n" for s in stories), encoding="utf-8")
    assert main(["documents", "import", str(rows), "--shard-passages", "2"]) == 0
    printed = capsys.readouterr().out
    assert "imported 6 document(s)" in printed
    assert "as corpus version 1" in printed
    # The segment a server needs for this version is written: it will embed nothing.
    settings = Settings()
    store = segment_store(settings, load_embedder(settings))
    assert len(store.cached()) == 1
    assert store.cached()[0] in printed
    assert main(["documents", "import", str(rows)]) == 1  # a rerun: nothing new
    assert "skipped wire-0: document 'wire-0' exists" in capsys.readouterr().out
