from pathlib import Path

import numpy as np
import pytest

from index.corpus import Document, corpus_fingerprint
from index.passages import passages_of
from index.sentences import SentenceKey
from index.store import IndexMismatchError, IndexMissingError, build_index, load_index
from tests.fakes import HashingEmbedder, fake_spec

DOCS = [
    Document("d1", "Putin visited Beijing. Xi met him. They signed a statement. Trade rose."),
    Document("d2", "Power of Siberia 2 was not mentioned. Gas talks stalled."),
]


def built(tmp_path: Path, **spec: object) -> tuple[Path, HashingEmbedder]:
    embedder = HashingEmbedder()
    out = tmp_path / "idx"
    build_index(DOCS, embedder, fake_spec(**spec), out)
    return out, embedder


def test_round_trip_and_self_description(tmp_path: Path) -> None:
    out, embedder = built(tmp_path, passage_window=2, passage_stride=1)
    index = load_index(
        out,
        embedding_model=embedder.name,
        dimension=embedder.dimension,
        expected_fingerprint=corpus_fingerprint(DOCS),
    )
    manifest = index.manifest
    assert (manifest.count, manifest.documents, manifest.dimension) == (4, 2, 256)
    assert manifest.metric == "inner_product"
    assert manifest.index_type == "flat"
    assert len(manifest.checksum) == 64
    assert set(manifest.files) == {
        "index.faiss",
        "passages.jsonl",
        "documents.jsonl",
        "sentences.npy",
    }
    for passage in index.passages:
        assert (
            index.documents[passage.document_id].text[passage.start : passage.end] == passage.text
        )
    scores, positions = index.search(embedder.embed(["Power of Siberia 2"]), 2)
    assert index.passages[positions[0][0]].document_id == "d2"
    assert scores[0][0] >= scores[0][1]


def test_artifacts_are_immutable(tmp_path: Path) -> None:
    out, embedder = built(tmp_path)
    with pytest.raises(FileExistsError):
        build_index(DOCS, embedder, fake_spec(), out)
    assert not (out / "index.faiss").stat().st_mode & 0o222


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"embedding_model": "other-model"}, "configured model is 'other-model'"),
        ({"dimension": 384}, "dimension 256"),
        ({"expected_fingerprint": "0" * 64}, "corpus has changed"),
    ],
)
def test_refuses_a_configuration_mismatch(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    out, embedder = built(tmp_path)
    arguments: dict[str, object] = {
        "embedding_model": embedder.name,
        "dimension": embedder.dimension,
    }
    arguments.update(change)
    with pytest.raises(IndexMismatchError, match=message):
        load_index(out, **arguments)  # type: ignore[arg-type]


def test_refuses_tampered_or_missing_files(tmp_path: Path) -> None:
    out, embedder = built(tmp_path)
    passages = out / "passages.jsonl"
    passages.chmod(0o644)
    passages.write_text(passages.read_text(encoding="utf-8").replace("Xi", "Yi"), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"passages\.jsonl does not match its checksum"):
        load_index(out, embedding_model=embedder.name, dimension=embedder.dimension)
    (out / "index.faiss").chmod(0o644)
    (out / "index.faiss").unlink()
    with pytest.raises(IndexMismatchError, match=r"index\.faiss is missing"):
        load_index(out, embedding_model=embedder.name, dimension=embedder.dimension)
    with pytest.raises(IndexMissingError, match="no index"):
        load_index(tmp_path / "none", embedding_model=embedder.name, dimension=256)


@pytest.mark.parametrize("kind", ["hnsw", "ivf", "ivf_sq8"])
def test_approximate_index_types(tmp_path: Path, kind: str) -> None:
    out, embedder = built(
        tmp_path, index_type=kind, passage_window=1, passage_stride=1, ivf_nlist=2
    )
    index = load_index(out, embedding_model=embedder.name, dimension=embedder.dimension)
    assert index.manifest.index_type == kind
    assert index.manifest.index_parameters
    query = embedder.embed(["Gas talks stalled."])
    _, positions = index.search(query, 1)
    assert index.passages[positions[0][0]].text == "Gas talks stalled."


def test_passage_windows_keep_exact_offsets() -> None:
    passages = passages_of(DOCS[0], window=3, stride=2)
    assert [p.id for p in passages] == ["d1#0", "d1#1"]
    assert passages[0].text == "Putin visited Beijing. Xi met him. They signed a statement."
    assert passages[1].text == "They signed a statement. Trade rose."
    given = Document("g", "  One here.  Two there.", sentences=("One here.", "Two there."))
    spans = passages_of(given, 1, 1)
    assert [given.text[p.start : p.end] for p in spans] == ["One here.", "Two there."]
    assert np.all([p.sentences[0].start == p.start for p in spans])


def test_sentence_vectors_are_stored_with_the_index(tmp_path: Path) -> None:
    out, embedder = built(tmp_path, passage_window=2, passage_stride=1)
    index = load_index(out, embedding_model=embedder.name, dimension=embedder.dimension)
    # 6 sentences across windows that overlap by one: each stored once.
    assert index.sentences.vectors.shape == (6, embedder.dimension)
    assert index.sentences.vectors.dtype == np.float16
    query = embedder.embed(["Gas talks stalled."])
    key = SentenceKey("d2", DOCS[1].text.index("Gas"), len(DOCS[1].text))
    expected = float(embedder.embed(["Gas talks stalled."])[0] @ query[0])
    assert index.sentences.relevance([index.sentences[key]], query)[0] == pytest.approx(
        expected, abs=2e-3
    )

    (out / "sentences.npy").chmod(0o644)
    (out / "sentences.npy").write_bytes(b"tampered")
    with pytest.raises(IndexMismatchError, match=r"sentences\.npy does not match its checksum"):
        load_index(out, embedding_model=embedder.name, dimension=embedder.dimension)
