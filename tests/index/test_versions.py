"""Index versions: segments plus removals, composed into one immutable index per version."""

import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.corpus import Document
from index.store import load_index
from index.versions import (
    LEASE_TTL_S,
    Layout,
    LayoutPart,
    Segment,
    SegmentStore,
    advance,
    compose,
    document_fingerprint,
)
from tests.fakes import HashingEmbedder, fake_index, fake_spec

BASE = [
    Document("beijing", "Putin visited Beijing in May. Xi met him there. They signed a statement."),
    Document("gas", "Power of Siberia 2 was not agreed. Gas talks stalled again."),
]
NORWAY = Document(
    "norway", "Norway opened an Arctic station in Svalbard. Twelve scientists work there."
)
HARBIN = Document("harbin", "Putin opened the Expo in Harbin. He met students at the institute.")


def _base_layout(tmp_path: Path) -> Layout:
    index = fake_index(BASE, tmp_path / "base")
    return (LayoutPart(Segment.of("base", index, mergeable=False), frozenset()),)


def _store(tmp_path: Path) -> SegmentStore:
    return SegmentStore(tmp_path / "segments", HashingEmbedder(), fake_spec())


def _wanted(documents: Sequence[Document]) -> dict[str, str]:
    return {d.id: document_fingerprint(d) for d in documents}


def _fetch_from(documents: Sequence[Document]):  # type: ignore[no-untyped-def]
    by_id = {d.id: d for d in documents}
    fetched: list[list[str]] = []

    def fetch(ids: Sequence[str]) -> list[Document]:
        fetched.append(list(ids))
        return [by_id[i] for i in ids]

    fetch.calls = fetched  # type: ignore[attr-defined]
    return fetch


def _top_document(index_: object, text: str) -> str:
    from index.store import LoadedIndex

    assert isinstance(index_, LoadedIndex)
    _, positions = index_.search(HashingEmbedder().embed([text]), 1)
    return index_.passages[int(positions[0][0])].document_id


def test_an_added_document_is_embedded_alone_and_found(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    corpus = [*BASE, NORWAY]
    fetch = _fetch_from(corpus)
    layout = advance(store, layout, _wanted(corpus), fetch, max_segments=8)
    assert fetch.calls == [["norway"]]  # only the new text is fetched and embedded
    version = compose(layout, 2)
    assert version.manifest.version == 2
    assert set(version.documents) == {"beijing", "gas", "norway"}
    assert _top_document(version, "Arctic station Svalbard") == "norway"
    for position, passage in enumerate(version.passages):  # positions and texts agree
        assert version.documents[passage.document_id].text[passage.start : passage.end] == (
            passage.text
        )
        assert version.passage_sentences[position]
    assert version.searchable == version.manifest.count


def test_a_removed_document_is_never_found_and_its_rows_are_skipped(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    layout = advance(store, layout, _wanted([BASE[0]]), _fetch_from(BASE), max_segments=8)
    assert layout[0].removed == frozenset({"gas"})
    version = compose(layout, 3)
    assert set(version.documents) == {"beijing"}
    scores, positions = version.search(HashingEmbedder().embed(["Power of Siberia gas"]), 10)
    found = [version.passages[int(p)].document_id for p in positions[0] if p >= 0]
    assert found
    assert set(found) == {"beijing"}
    assert version.searchable == version.manifest.count == len(version.passages)
    assert np.all(np.diff(scores[0][: len(found)]) <= 1e-6)  # best first


def test_a_replaced_document_answers_with_its_new_text_only(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    new_gas = Document("gas", "Power of Siberia 2 was agreed in principle on price.")
    corpus = [BASE[0], new_gas]
    layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), max_segments=8)
    version = compose(layout, 2)
    assert version.documents["gas"].text == new_gas.text
    texts = {p.text for p in version.passages if p.document_id == "gas"}
    assert texts == {new_gas.text}
    keys = [k for k in version.sentences._sentences if k.document_id == "gas"]
    assert all(new_gas.text[k.start : k.end] for k in keys)


def test_versions_are_immutable_and_identified_by_what_they_hold(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    before = compose(layout, 1)
    corpus = [*BASE, NORWAY]
    after = compose(advance(store, layout, _wanted(corpus), _fetch_from(corpus), 8), 2)
    assert before.manifest.checksum != after.manifest.checksum
    assert set(before.documents) == {"beijing", "gas"}  # the old version did not change
    assert _top_document(before, "Arctic station Svalbard") != "norway"
    again = compose(layout, 1)
    assert again.manifest.checksum == before.manifest.checksum


def test_merging_keeps_every_answer_and_drops_removed_rows(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    corpus: list[Document] = list(BASE)
    for extra in (NORWAY, HARBIN):
        corpus.append(extra)
        layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), max_segments=8)
    corpus.remove(NORWAY)
    layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), max_segments=8)
    unmerged = compose(layout, 4)
    merged_layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), max_segments=1)
    merged = compose(merged_layout, 4)
    assert len(merged_layout) == 2  # the base and one merged segment
    assert not merged_layout[1].removed  # the removed document's rows are gone
    assert len(merged_layout[1].segment.index.passages) == merged.passage_counts["harbin"]
    for claim in ("Expo in Harbin students", "Putin visited Beijing", "Arctic Svalbard"):
        a = unmerged.search(HashingEmbedder().embed([claim]), 3)
        b = merged.search(HashingEmbedder().embed([claim]), 3)
        assert [unmerged.passages[int(p)].id for p in a[1][0]] == [
            merged.passages[int(p)].id for p in b[1][0]
        ]
        np.testing.assert_allclose(a[0], b[0], atol=1e-6)
    assert merged.manifest.corpus_fingerprint == unmerged.manifest.corpus_fingerprint


def test_a_restart_reuses_written_segments_instead_of_embedding_again(tmp_path: Path) -> None:
    corpus = [*BASE, NORWAY]
    advance(_store(tmp_path), _base_layout(tmp_path), _wanted(corpus), _fetch_from(corpus), 8)
    fetch = _fetch_from(corpus)
    base = (
        LayoutPart(
            Segment.of("base", load_index(tmp_path / "base", embedding_model="fake-hashing",
                                          dimension=256), mergeable=False),
            frozenset(),
        ),
    )  # fmt: skip
    layout = advance(_store(tmp_path), base, _wanted(corpus), fetch, 8, reuse_written=True)
    assert fetch.calls == []
    assert set(compose(layout, 2).documents) == {"beijing", "gas", "norway"}


def test_unused_segments_are_pruned(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    corpus = [*BASE, NORWAY]
    layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), 8)
    assert len(store.cached()) == 1
    assert store.prune({part.segment.name for part in layout}) == []
    assert store.prune(set()) == [layout[1].segment.name]
    assert store.cached() == []


def test_a_fetch_that_returns_other_documents_is_refused(tmp_path: Path) -> None:
    changed = Document("norway", "Another text entirely.")
    with pytest.raises(ValueError, match="not the ones asked for"):
        advance(
            _store(tmp_path),
            _base_layout(tmp_path),
            _wanted([*BASE, NORWAY]),
            _fetch_from([*BASE, changed]),
            8,
        )


def test_an_emptied_corpus_is_a_version_that_finds_nothing(tmp_path: Path) -> None:
    store, layout = _store(tmp_path), _base_layout(tmp_path)
    corpus = [*BASE, NORWAY]
    layout = advance(store, layout, _wanted(corpus), _fetch_from(corpus), 8)
    empty = advance(store, layout, {}, _fetch_from(corpus), 8)
    assert [part.segment.name for part in empty] == ["base"]  # the added segment is gone
    version = compose(empty, 9)
    assert version.documents == {}
    assert version.manifest.count == 0
    _, positions = version.search(HashingEmbedder().embed(["Putin visited Beijing"]), 5)
    assert positions.size == 0
    again = compose(advance(store, empty, _wanted([NORWAY]), _fetch_from(corpus), 8), 10)
    assert set(again.documents) == {"norway"}


def test_processes_sharing_the_folder_remove_only_segments_no_live_lease_names(
    tmp_path: Path,
) -> None:
    """Before: two servers in one checkout removed each other's segments, each logging
    "segment ... removed: no kept version uses it" for the other's."""
    folder = tmp_path / "segments"
    first = SegmentStore(folder, HashingEmbedder(), fake_spec(), owner="server-a")
    second = SegmentStore(folder, HashingEmbedder(), fake_spec(), owner="server-b")
    mine = first.build([Document("a", "Norway signed the Svalbard charter in May.")]).name
    theirs = second.build([Document("b", "Trade between them rose by a quarter.")]).name
    first.prune({mine})
    assert second.prune({theirs}) == []  # the first server's lease names its segment
    assert (folder / mine).is_dir()
    lease = folder / ".leases" / "server-a.json"
    stale = time.time() - 2 * LEASE_TTL_S
    os.utime(lease, (stale, stale))  # the first server stopped renewing: it is gone
    assert second.prune({theirs}) == [mine]
    assert not lease.exists()
    second.release()
    assert not (folder / ".leases" / "server-b.json").exists()
