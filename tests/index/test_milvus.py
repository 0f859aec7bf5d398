"""Segments' vectors in Milvus (index/milvus.py), on a real milvus-lite: two stores in
separate folders stand for two replicas that share one Milvus."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from factdesk.core.settings import IndexSettings
from index.corpus import Document
from index.milvus import MilvusVectors, VectorStoreError, milvus_index_spec
from index.versions import (
    Layout,
    LayoutPart,
    Segment,
    SegmentStore,
    advance,
    compose,
)
from tests.fakes import CountingEmbedder, HashingEmbedder, fake_index, fake_settings, fake_spec
from tests.index.test_versions import BASE, HARBIN, NORWAY, _fetch_from, _wanted

pytest.importorskip("pymilvus")

CLAIMS = ("Arctic station Svalbard", "Expo in Harbin students", "Power of Siberia gas", "Xi met")


def _milvus(tmp_path: Path, index_type: str = "flat") -> MilvusVectors:
    spec = milvus_index_spec(fake_spec(index_type=index_type))
    return MilvusVectors(str(tmp_path / "milvus.db"), "test", HashingEmbedder().dimension, spec)


def _base(tmp_path: Path, name: str = "base") -> Layout:
    index = fake_index(BASE, tmp_path / name)
    return (LayoutPart(Segment.of("base", index, mergeable=False), frozenset()),)


def _replica(
    tmp_path: Path, name: str, shared: MilvusVectors
) -> tuple[SegmentStore, CountingEmbedder]:
    embedder = CountingEmbedder()
    store = SegmentStore(tmp_path / name / "segments", embedder, fake_spec(), shared=shared)
    return store, embedder


def _found(index: object, claim: str, k: int = 5) -> list[tuple[str, str, float]]:
    from index.store import LoadedIndex

    assert isinstance(index, LoadedIndex)
    scores, positions = index.search(HashingEmbedder().embed([claim]), k)
    return [
        (index.passages[int(p)].document_id, index.passages[int(p)].text, round(float(s), 4))
        for s, p in zip(scores[0], positions[0], strict=True)
        if p >= 0
    ]


def test_a_version_searched_in_milvus_finds_what_faiss_finds(tmp_path: Path) -> None:
    shared = _milvus(tmp_path)
    store, _ = _replica(tmp_path, "a", shared)
    corpus = [*BASE, NORWAY, HARBIN]
    layout = advance(store, _base(tmp_path), _wanted(corpus), _fetch_from(corpus), max_segments=8)
    in_faiss = compose(layout, 2)
    in_milvus = compose(layout, 2, shared_search=store.shared_search)
    assert in_milvus.searchable == in_faiss.searchable == in_faiss.manifest.count
    for claim in CLAIMS:
        assert _found(in_milvus, claim) == _found(in_faiss, claim)
    # The same two versions composed again are the same index (a version is a filter).
    again = compose(layout, 2, shared_search=store.shared_search)
    assert again.manifest.checksum == in_milvus.manifest.checksum


def test_a_removed_document_is_filtered_out_of_the_shared_rows(tmp_path: Path) -> None:
    shared = _milvus(tmp_path)
    store, _ = _replica(tmp_path, "a", shared)
    corpus = [*BASE, NORWAY]
    layout = advance(store, _base(tmp_path), _wanted(corpus), _fetch_from(corpus), max_segments=8)
    before = compose(layout, 2, shared_search=store.shared_search)
    later = [BASE[0], NORWAY]  # "gas" removed from the base segment
    layout = advance(store, layout, _wanted(later), _fetch_from(later), max_segments=8)
    after = compose(layout, 3, shared_search=store.shared_search)
    assert {d for d, _, _ in _found(after, "Power of Siberia gas", 10)} <= {"beijing", "norway"}
    assert after.searchable == after.manifest.count == len(after.passages)
    # The earlier version still holds it: its rows were not deleted, only filtered.
    assert "gas" in {d for d, _, _ in _found(before, "Power of Siberia gas", 10)}


def test_a_document_is_embedded_once_for_every_replica(tmp_path: Path) -> None:
    shared = _milvus(tmp_path)
    a, a_embedder = _replica(tmp_path, "a", shared)
    b, b_embedder = _replica(tmp_path, "b", shared)
    corpus = [*BASE, NORWAY, HARBIN]
    layout_a = advance(a, _base(tmp_path, "base-a"), _wanted(corpus), _fetch_from(corpus), 8)
    assert a_embedder.texts > 0
    # B fetches the same documents in another order: the segment's rows are the same.
    fetch = _fetch_from(corpus)
    layout_b = advance(
        b, _base(tmp_path, "base-b"), _wanted(corpus), lambda ids: fetch(ids)[::-1], 8
    )
    assert b_embedder.texts == 0  # read from Milvus, not embedded
    assert layout_b[-1].segment.name == layout_a[-1].segment.name
    index_a, index_b = layout_a[-1].segment.index, layout_b[-1].segment.index
    assert [p.text for p in index_a.passages] == [p.text for p in index_b.passages]
    assert np.array_equal(index_a.sentences.vectors, index_b.sentences.vectors)
    for claim in CLAIMS:
        assert _found(compose(layout_b, 2, shared_search=b.shared_search), claim) == _found(
            compose(layout_a, 2), claim
        )


def test_a_replica_that_sees_a_version_first_waits_for_the_writer_instead_of_embedding(
    tmp_path: Path,
) -> None:
    # B's poller can find A's new version in the database while A is still embedding it.
    shared = _milvus(tmp_path)
    a, a_embedder = _replica(tmp_path, "a", shared)
    b, b_embedder = _replica(tmp_path, "b", shared)
    corpus = [*BASE, NORWAY, HARBIN]
    b_layouts: list[Layout] = []

    def replica_b_follows() -> None:
        fetch = _fetch_from(corpus)
        base = _base(tmp_path, "base-b")
        b_layouts.append(advance(b, base, _wanted(corpus), fetch, 8, await_shared_s=30.0))

    waiting = threading.Thread(target=replica_b_follows)
    waiting.start()
    time.sleep(0.5)  # B is waiting: A has not written the segment yet
    assert waiting.is_alive()
    layout_a = advance(a, _base(tmp_path, "base-a"), _wanted(corpus), _fetch_from(corpus), 8)
    waiting.join(timeout=30)
    assert a_embedder.texts > 0
    assert b_embedder.texts == 0
    assert b_layouts[0][-1].segment.name == layout_a[-1].segment.name


def test_a_replica_embeds_itself_when_no_writer_shares_the_segment_in_time(
    tmp_path: Path,
) -> None:
    shared = _milvus(tmp_path)
    b, b_embedder = _replica(tmp_path, "b", shared)
    corpus = [*BASE, NORWAY]
    started = time.monotonic()
    advance(b, _base(tmp_path), _wanted(corpus), _fetch_from(corpus), 8, await_shared_s=0.3)
    assert time.monotonic() - started >= 0.3
    assert b_embedder.texts > 0


def test_a_merged_segment_reads_back_as_a_build_of_its_documents(tmp_path: Path) -> None:
    shared = _milvus(tmp_path)
    a, _ = _replica(tmp_path, "a", shared)
    corpus: list[Document] = list(BASE)
    layout = _base(tmp_path)
    for extra in (NORWAY, HARBIN):  # two segments, merged into one
        corpus.append(extra)
        layout = advance(a, layout, _wanted(corpus), _fetch_from(corpus), max_segments=1)
    merged = layout[-1].segment
    assert set(merged.fingerprints) == {"norway", "harbin"}
    assert shared.has(merged.name)
    b, b_embedder = _replica(tmp_path, "b", shared)
    restored = b.build([HARBIN, NORWAY])
    assert b_embedder.texts == 0
    assert restored.name == merged.name
    assert [p.text for p in restored.index.passages] == [p.text for p in merged.index.passages]
    rows = np.arange(len(merged.index.passages))
    assert np.allclose(
        restored.index.own_part().vectors(rows), merged.index.own_part().vectors(rows)
    )


def test_a_segment_whose_write_was_cut_short_is_rewritten_not_read(tmp_path: Path) -> None:
    shared = _milvus(tmp_path)
    a, _ = _replica(tmp_path, "a", shared)
    name = a.name_for([NORWAY])
    vectors = HashingEmbedder().embed(["only one row of many"])
    # A crash after some vectors and before the segment's row: it is not complete.
    shared._insert(shared.passages, name, ["norway"], vectors)
    assert not shared.has(name)
    b, b_embedder = _replica(tmp_path, "b", shared)
    segment = b.build([NORWAY])
    assert b_embedder.texts > 0  # embedded, since nothing complete was there
    b.share((LayoutPart(segment, frozenset()),))
    assert shared.has(name)
    stored = shared.get(name)
    assert stored.passage_documents == [p.document_id for p in segment.index.passages]
    rows = np.arange(len(segment.index.passages))
    assert np.allclose(stored.passage_vectors, segment.index.own_part().vectors(rows))


def test_a_collection_of_another_dimension_is_refused(tmp_path: Path) -> None:
    _milvus(tmp_path)
    with pytest.raises(VectorStoreError, match="dimension"):
        MilvusVectors(
            str(tmp_path / "milvus.db"), "test", 8, milvus_index_spec(fake_spec(index_type="flat"))
        )


def test_hnsw_in_milvus_finds_what_exact_search_finds_on_a_small_corpus(tmp_path: Path) -> None:
    shared = _milvus(tmp_path, "hnsw")
    store, _ = _replica(tmp_path, "a", shared)
    corpus = [*BASE, NORWAY, HARBIN]
    layout = advance(store, _base(tmp_path), _wanted(corpus), _fetch_from(corpus), max_segments=8)
    exact, approximate = compose(layout, 2), compose(layout, 2, shared_search=store.shared_search)
    for claim in CLAIMS:
        assert [d for d, _, _ in _found(approximate, claim)] == [
            d for d, _, _ in _found(exact, claim)
        ]


def test_a_fresh_replica_reads_the_base_index_from_milvus_instead_of_embedding_it(
    tmp_path: Path,
) -> None:
    from factdesk.wiring import open_index, shared_vectors

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for document in (*BASE, NORWAY):
        (corpus / f"{document.id}.txt").write_text(document.text, encoding="utf-8")

    def replica(name: str) -> tuple[object, CountingEmbedder, SegmentStore]:
        settings = fake_settings(
            index=IndexSettings(
                corpus_dir=str(corpus),
                index_dir=tmp_path / name / "index",
                segments_dir=tmp_path / name / "segments",
                vector_store="milvus",
                milvus_uri=str(tmp_path / "milvus.db"),
            )
        )
        embedder = CountingEmbedder()
        shared = shared_vectors(settings, embedder.dimension)
        index = open_index(settings, embedder, build_if_missing=True, shared=shared)
        store = SegmentStore(settings.index.segments_dir, embedder, fake_spec(), shared=shared)
        return index, embedder, store

    index_a, embedder_a, store_a = replica("a")
    assert embedder_a.texts > 0
    from index.store import LoadedIndex

    assert isinstance(index_a, LoadedIndex)
    # A server shares its base when it loads its first version.
    store_a.share((LayoutPart(Segment.of("base", index_a, mergeable=False), frozenset()),))
    index_b, embedder_b, _ = replica("b")
    assert isinstance(index_b, LoadedIndex)
    assert embedder_b.texts == 0
    assert [p.text for p in index_b.passages] == [p.text for p in index_a.passages]
    assert index_b.manifest.corpus_fingerprint == index_a.manifest.corpus_fingerprint
    for claim in CLAIMS:
        assert _found(index_b, claim) == _found(index_a, claim)
