import json
from pathlib import Path

import pytest

from index.corpus import CorpusError, corpus_fingerprint, load_corpus
from tests.conftest import SAMPLE_CORPUS

SAMPLE = SAMPLE_CORPUS


def test_sample_corpus_with_manifest() -> None:
    documents = load_corpus(SAMPLE)
    by_id = {d.id: d for d in documents}
    assert len(documents) == 5
    pism = by_id["pism-spotlight-34-2024"]
    assert pism.publisher
    assert pism.language == "en"
    assert pism.authors
    assert pism.text.startswith("No. 34/2024")


def test_directory_without_manifest_uses_file_stems(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("Second.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First.", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    assert [d.id for d in load_corpus(tmp_path)] == ["a", "b"]


def test_jsonl_corpus_and_stable_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [{"id": 7, "text": "A.", "title": "T", "sentences": ["A."]}, {"id": "x", "text": "B."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    documents = load_corpus(path)
    assert [d.id for d in documents] == ["7", "x"]
    assert documents[0].sentences == ("A.",)
    assert corpus_fingerprint(documents) == corpus_fingerprint(list(reversed(documents)))
    changed = load_corpus(path)
    object.__setattr__(changed[1], "text", "C.")
    assert corpus_fingerprint(changed) != corpus_fingerprint(documents)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1}\n', "needs 'id' and a string 'text'"),
        ("nope\n", "not JSON"),
        ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "duplicate document id"),
        ("", "no documents"),
    ],
)
def test_bad_jsonl(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_corpus(path)


def test_missing_or_unknown_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "missing")
    (tmp_path / "file.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"\.jsonl"):
        load_corpus(tmp_path / "file.csv")
