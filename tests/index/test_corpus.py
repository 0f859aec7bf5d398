import json
import os
from pathlib import Path

import pytest

from index.corpus import CorpusError, Document, corpus_fingerprint, load_corpus, read_corpus_file
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import pdf_with_text

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
    (tmp_path / "ignored.docx").write_bytes(b"PK")
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


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Putin visited Beijing in May 2024.", encoding="utf-8")
    return folder


def test_a_symlink_out_of_the_folder_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    with pytest.raises(CorpusError, match=r"passwd\.txt: a link to .*outside the corpus folder"):
        load_corpus(folder)


def test_a_symlink_inside_the_folder_is_read(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    (folder / "b.txt").symlink_to(folder / "a.txt")
    assert [d.id for d in load_corpus(folder)] == ["a", "b"]


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    os.mkfifo(folder / "pipe.txt")
    with pytest.raises(CorpusError, match=r"pipe\.txt: not a regular file"):
        load_corpus(folder)


def test_a_device_behind_a_symlink_is_refused(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    (folder / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(CorpusError, match=r"zero\.txt: a link to /dev/zero"):
        load_corpus(folder)


def test_binary_undecodable_and_oversized_files_are_named(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    binary = folder / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CorpusError, match=r"image\.txt: a binary file"):
        load_corpus(folder)
    binary.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(
        CorpusError, match=r"image\.txt: not UTF-8 text \(invalid byte at offset 3\)"
    ):
        load_corpus(folder)
    binary.write_text("x" * 100, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"image\.txt: 100 bytes, over the 10-byte limit"):
        read_corpus_file(binary, folder, max_bytes=10)


def test_files_the_loader_does_not_read_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _corpus(tmp_path)
    (folder / "story.rtf").write_text("{\\rtf1 Putin}", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00")
    with caplog.at_level("WARNING", logger="factdesk"):
        assert [d.id for d in load_corpus(folder)] == ["a"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{folder / 'story.rtf'}: skipped; a corpus folder is read for "
        ".txt, .md, .html, .htm, .pdf files"
    ]


def test_html_and_pdf_files_are_read_with_their_titles(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    (folder / "expo.html").write_text(
        "<html><head><title>Putin opens the Harbin Expo</title></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Putin opens the Harbin Expo</h1>"
        "<p>Putin traveled to Harbin on May 17 to open the 8th China-Russia Expo, where he "
        "met the governor of Heilongjiang and visited the pavilions of Russian regions.</p>"
        "</article><footer>Copyright 2024</footer></body></html>",
        encoding="utf-8",
    )
    (folder / "brief.pdf").write_bytes(pdf_with_text("Xi met Putin in Beijing.", "A brief"))
    documents = {d.id: d for d in load_corpus(folder)}
    assert documents["expo"].title == "Putin opens the Harbin Expo"
    assert "8th China-Russia Expo" in documents["expo"].text
    assert "Home | World" not in documents["expo"].text  # the menu is not the article
    assert documents["brief"].text == "Xi met Putin in Beijing."
    assert documents["brief"].title == "A brief"


def test_an_html_page_without_an_article_and_a_broken_pdf_are_named(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    page = folder / "empty.html"
    page.write_text("<html><head><title>Menu</title></head><body></body></html>", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"empty\.html: no article text"):
        load_corpus(folder)
    # A menu or a list of links is not an article: trafilatura extracts "Home" from it.
    page.write_text(
        "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a> "
        "<a href='/w'>World</a></nav></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"empty\.html: no article text in this HTML, only"):
        load_corpus(folder)
    page.unlink()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(CorpusError, match=r"broken\.pdf: "):
        load_corpus(folder)


def test_a_manifest_url_that_is_not_http_is_refused_but_a_stored_one_still_loads(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("Trade reached a record.", encoding="utf-8")
    row = {"id": "a", "file": "a.txt", "url": "javascript:alert(1)"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="url: URL scheme should be 'http' or 'https'"):
        load_corpus(tmp_path)
    # Written before the rule existed: read back as it was, never refused.
    stored = Document.stored("a", "Trade reached a record.", url="javascript:alert(1)")
    assert stored.url == "javascript:alert(1)"
