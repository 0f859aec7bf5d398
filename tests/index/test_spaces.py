"""Two embedders' vectors of the same passages in every index version (index/live.py Space):
FACTDESK_MULTILINGUAL keeps MiniLM's vectors for English claims and adds multilingual-e5's
for claims in other languages. Real FAISS, the fakes' embedders."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from factdesk.wiring import build_verifier, index_spec, make_judge
from index.corpus import Document
from index.live import LiveIndex, Space
from index.store import LoadedIndex, build_index, load_index
from index.versions import SegmentStore, SharedVectors, document_fingerprint
from tests.fakes import (
    FakeStanceModel,
    HashingEmbedder,
    LexiconEmbedder,
    fake_settings,
)
from tests.index.test_versions import BASE, HARBIN, NORWAY
from verify.labels import Stance
from verify.verifier import ClaimRequest, Judge, Verification

RUSSIAN_CLAIM = "Арктическая станция Шпицберген"  # "Arctic station Svalbard": NORWAY's


class MemoryLog:
    """The version log (index/live.py VersionLog) in memory."""

    def __init__(self) -> None:
        self.versions: list[dict[str, Document]] = []

    def head(self) -> int:
        return len(self.versions)

    def fingerprints(self, version: int) -> dict[str, str]:
        return {i: document_fingerprint(d) for i, d in self.versions[version - 1].items()}

    def documents(self, version: int, ids: Sequence[str]) -> list[Document]:
        return [self.versions[version - 1][i] for i in ids]

    def seed(self, documents: Sequence[Document], note: str) -> int:  # noqa: ARG002
        if not self.versions:
            self.versions.append({d.id: d for d in documents})
        return self.head()

    def change(self, add: Sequence[Document] = (), remove: Sequence[str] = ()) -> None:
        documents = dict(self.versions[-1])
        documents.update((d.id, d) for d in add)
        for document_id in remove:
            del documents[document_id]
        self.versions.append(documents)


def _index(embedder: HashingEmbedder, directory: Path) -> LoadedIndex:
    spec = index_spec(fake_settings(), embedder.name)
    build_index(BASE, embedder, spec, directory)
    return load_index(directory, embedding_model=embedder.name, dimension=embedder.dimension)


def _live(
    tmp_path: Path,
    max_segments: int = 8,
    shared: tuple[SharedVectors | None, SharedVectors | None] = (None, None),
) -> tuple[LiveIndex[LoadedIndex], MemoryLog]:
    english, multilingual = HashingEmbedder(), LexiconEmbedder()
    base = _index(english, tmp_path / "index")
    companion = _index(multilingual, tmp_path / "index-multilingual")
    base.companions[multilingual.name] = companion
    spec = index_spec(fake_settings())
    log = MemoryLog()
    live: LiveIndex[LoadedIndex] = LiveIndex(
        base,
        base,
        log,
        SegmentStore(tmp_path / "segments", english, spec, shared=shared[0]),
        lambda index: index,
        max_segments=max_segments,
        keep_versions=1,
        poll_s=0,
        spaces=[
            Space(
                companion,
                SegmentStore(
                    tmp_path / "segments-multilingual",
                    multilingual,
                    index_spec(fake_settings(), multilingual.name),
                    shared=shared[1],
                ),
            )
        ],
    )
    live.start()
    return live, log


def _top(index: LoadedIndex, embedder: HashingEmbedder, text: str) -> str:
    _, positions = index.search(embedder.embed_queries([text]), 1)
    return index.passages[int(positions[0][0])].document_id


def test_every_version_holds_both_embedders_vectors_of_the_same_passages(
    tmp_path: Path,
) -> None:
    live, log = _live(tmp_path, max_segments=1)
    changes: list[tuple[Sequence[Document], Sequence[str]]] = [
        ([NORWAY], []),
        ([HARBIN], []),  # two added segments: merged into one, in both spaces
        ([], ["gas"]),
        ([Document(NORWAY.id, NORWAY.text + " Они работают круглый год.")], []),
    ]
    for add, remove in changes:
        log.change(add, remove)
        index = live.refresh().index
        companion = index.companions["fake-multilingual"]
        assert companion.manifest.version == index.manifest.version == log.head()
        assert companion.manifest.embedding_model == "fake-multilingual"
        assert [p.id for p in companion.passages] == [p.id for p in index.passages]
        assert set(companion.documents) == set(index.documents)
        assert companion.searchable == index.searchable == len(index.passages)
    # The multilingual vectors find the English passage a Russian claim bears on; the
    # English ones do not.
    index = live.current.index
    companion = index.companions["fake-multilingual"]
    assert _top(companion, LexiconEmbedder(), RUSSIAN_CLAIM) == "norway"
    found, _ = companion.search(LexiconEmbedder().embed_queries([RUSSIAN_CLAIM]), 1)
    unfound, _ = index.search(HashingEmbedder().embed_queries([RUSSIAN_CLAIM]), 1)
    assert float(unfound[0][0]) < 0.5 < float(found[0][0])
    # Segment for segment in both folders; each prunes what no kept version (this one and
    # the one before) uses.
    written = [
        sorted(p.name for p in (tmp_path / folder).iterdir() if p.name.startswith("seg"))
        for folder in ("segments", "segments-multilingual")
    ]
    assert len(written[0]) == len(written[1]) == 2
    current = live.current
    assert len(current.layout) == len(current.space_layouts[0]) == 2  # base + one merged
    assert current.layout[1].segment.name in written[0]
    assert current.space_layouts[0][1].segment.name in written[1]


def _answers(
    index: LoadedIndex, multilingual: LexiconEmbedder | None, claims: Sequence[ClaimRequest]
) -> list[Verification]:
    settings = fake_settings(default_top_k=3, min_relevance=0.0)
    english = make_judge(settings, FakeStanceModel({"evidence:was not": Stance.REFUTES}))
    other = Judge(
        FakeStanceModel({"evidence:Svalbard": Stance.SUPPORTS}, name="multilingual"),
        ("ru",),
        english.rule,
        topic_gate=False,
    )
    verifier = build_verifier(
        settings, HashingEmbedder(), index, [english, other], multilingual=multilingual
    )
    return verifier.verify_many(claims)


def test_a_claim_in_another_language_is_searched_in_the_multilingual_vectors(
    tmp_path: Path,
) -> None:
    live, log = _live(tmp_path)
    log.change([NORWAY])
    index = live.refresh().index
    claims = [
        ClaimRequest("Power of Siberia 2 was agreed.", 3),
        ClaimRequest(RUSSIAN_CLAIM, 3, "ru"),
    ]
    english, russian = _answers(index, LexiconEmbedder(), claims)
    assert russian.index.embedding_model == "fake-multilingual"
    assert russian.judge == "multilingual"
    assert russian.citations[0].document_id == "norway"
    assert russian.citations[0].text in NORWAY.text
    assert russian.verdict.value == "SUPPORTED"
    # English is searched in its own vectors, and answered exactly as without the switch.
    assert english.index.embedding_model == "fake-hashing"
    (alone,) = _answers(index, None, claims[:1])
    assert dataclasses.replace(english, took_ms=0) == dataclasses.replace(alone, took_ms=0)
    # Without the multilingual vectors the Russian claim finds nothing it bears on.
    (unrouted,) = _answers(index, None, claims[1:])
    assert max(c.score for c in unrouted.citations) < 0.1 < russian.citations[0].score


def test_a_version_without_the_multilingual_vectors_is_refused(tmp_path: Path) -> None:
    index = _index(HashingEmbedder(), tmp_path / "index")
    with pytest.raises(RuntimeError, match="fake-multilingual"):
        _answers(index, LexiconEmbedder(), [ClaimRequest("x", 3)])


def test_vectors_of_both_embedders_differ_but_passages_do_not(tmp_path: Path) -> None:
    english = _index(HashingEmbedder(), tmp_path / "a")
    multilingual = _index(LexiconEmbedder(), tmp_path / "b")
    assert english.sentences.vectors.shape[1] != multilingual.sentences.vectors.shape[1]
    assert [p.text for p in english.passages] == [p.text for p in multilingual.passages]
    assert not np.array_equal(
        english.sentences.vectors[:, :8], multilingual.sentences.vectors[:, :8]
    )


def test_with_milvus_each_embedder_has_its_own_collections_in_one_store(tmp_path: Path) -> None:
    # As production wires it (factdesk.wiring.shared_vectors): one URI, a collection prefix
    # per embedder.
    pytest.importorskip("pymilvus")
    from index.milvus import MilvusVectors, milvus_index_spec

    uri, spec = str(tmp_path / "milvus.db"), milvus_index_spec(index_spec(fake_settings()))
    english = MilvusVectors(uri, "test", HashingEmbedder().dimension, spec)
    multilingual = MilvusVectors(uri, "test_multilingual", LexiconEmbedder().dimension, spec)
    live, log = _live(tmp_path, shared=(english, multilingual))
    log.change([NORWAY])
    index = live.refresh().index
    companion = index.companions["fake-multilingual"]
    assert [p.id for p in companion.passages] == [p.id for p in index.passages]
    assert _top(companion, LexiconEmbedder(), RUSSIAN_CLAIM) == "norway"
    segment = live.current.space_layouts[0][-1].segment.name
    assert multilingual.has(segment)
    assert not english.has(segment)  # each embedder's rows in its own collections
