"""Index versions: a corpus that changes without a rebuild.

A version is a list of segments, each an immutable index directory (``index.store``), and
for each segment the documents removed from it since it was written. Adding documents
writes one new small segment (only the new text is embedded); removing a document records
it as removed, and its rows stay in the segment's FAISS index but never come back from a
search; replacing a document is both. When more than ``max_segments`` added segments pile
up they are merged into one, from the vectors already computed, with the removed rows
dropped.

A segment's directory name is a digest of what it holds (the index parameters and every
document's fingerprint), so the same documents are never embedded twice: a process that
restarts finds the segments it wrote before. Several processes may share the folder (two
servers in one checkout, replicas on one volume): each records the segments it uses in a
lease file of its own under ``.leases/``, renewed as it polls, and removes only segments
that no live lease names.

``compose`` turns a layout into the ``LoadedIndex`` one version answers with. It is never
changed afterwards; the next version is another object, so a request that started on one
version finishes on it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import FactdeskError
from index.corpus import Document, corpus_fingerprint
from index.embedding import Embedder, Vectors
from index.passages import Passage, build_passages
from index.sentences import SentenceKey, SentenceTable, sentence_keys
from index.store import (
    FORMAT_VERSION,
    METRIC,
    IndexContents,
    IndexSpec,
    LoadedIndex,
    Manifest,
    PassageSearch,
    Progress,
    SearchPart,
    build_index,
    combined_checksum,
    load_index,
    write_index,
)

log = logging.getLogger("factdesk")
SEGMENT_PREFIX = "seg-"
_SHARED_POLL_S = 0.1  # how often a replica looks for a segment another process is writing
BASE_PREFIX = "base-"  # a base index in a shared store (never a folder of the segment store)


def document_fingerprint(document: Document) -> str:
    """Digest of one document's id, text and metadata (``corpus_fingerprint`` of it alone)."""
    return corpus_fingerprint([document])


@dataclass(frozen=True)
class Segment:
    """A loaded index directory and the fingerprints of the documents it holds."""

    name: str
    index: LoadedIndex
    fingerprints: Mapping[str, str]  # document id -> document_fingerprint
    mergeable: bool  # written by a SegmentStore (a base index given by path is left alone)

    @classmethod
    def of(cls, name: str, index: LoadedIndex, mergeable: bool) -> Segment:
        prints = {doc_id: document_fingerprint(doc) for doc_id, doc in index.documents.items()}
        return cls(name, index, prints, mergeable)


@dataclass(frozen=True)
class LayoutPart:
    segment: Segment
    removed: frozenset[str]  # ids of the segment's documents that this version leaves out


Layout = tuple[LayoutPart, ...]


@dataclass(frozen=True)
class StoredSegment:
    """A segment's vectors as a shared vector store holds them, in row order."""

    passage_vectors: Vectors
    passage_documents: list[str]  # each passage row's document id
    sentence_vectors: npt.NDArray[np.float16]
    sentence_documents: list[str]


class SharedVectors(Protocol):
    """Segments' vectors in a store every replica reads (index/milvus.py): a segment is
    embedded once, by the process that adds its documents, and searched by all."""

    def has(self, segment: str) -> bool:
        """Whether ``segment`` was written completely."""
        ...

    def put(
        self,
        segment: str,
        passage_documents: Sequence[str],
        passage_vectors: Vectors,
        sentence_documents: Sequence[str],
        sentence_vectors: npt.NDArray[np.floating[Any]],
    ) -> None: ...

    def get(self, segment: str) -> StoredSegment: ...

    def search_part(
        self, segments: Mapping[str, npt.NDArray[np.int64]], removed: Mapping[str, Sequence[str]]
    ) -> PassageSearch:
        """One search over ``segments`` (name -> each row's passage position, -1 for a
        removed document's row), leaving out each one's ``removed`` documents."""
        ...


# What compose searches a version with instead of each segment's FAISS index: the parts'
# segments, each one's row positions in the version and its removed documents.
SharedSearch = Callable[[Sequence[tuple[LayoutPart, npt.NDArray[np.int64]]]], PassageSearch]


def segment_name(
    embedding_model: str,
    passage_window: int,
    passage_stride: int,
    passage_vectors: str,
    fingerprints: Mapping[str, str],
) -> str:
    """A segment's name: a digest of what it holds (every document's fingerprint) and of how
    its vectors were made, so two processes that write the same documents agree on it."""
    identity: list[Any] = [
        FORMAT_VERSION,
        embedding_model,
        passage_window,
        passage_stride,
        sorted(fingerprints.items()),
    ]
    if passage_vectors != "encode":  # names written before the choice existed stay valid
        identity.append(passage_vectors)
    return _named(SEGMENT_PREFIX, identity)


def _named(prefix: str, identity: list[Any]) -> str:
    return prefix + hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:24]


def base_name(
    embedding_model: str,
    passage_window: int,
    passage_stride: int,
    passage_vectors: str,
    fingerprints: Sequence[tuple[str, str]],
) -> str:
    """A base index's name in a shared store. A base is built in the order its corpus was
    read, not by id, so the order is part of what it holds: two replicas that read the
    same corpus in the same order share its rows, any other order is another base."""
    identity: list[Any] = [FORMAT_VERSION, embedding_model, passage_window, passage_stride]
    return _named(BASE_PREFIX, ["base", *identity, passage_vectors, list(fingerprints)])


def content_digest(fingerprints: Mapping[str, str]) -> str:
    """Digest of a set of documents by their ids and fingerprints: what a version holds."""
    lines = "".join(f"{doc_id}\t{fingerprints[doc_id]}\n" for doc_id in sorted(fingerprints))
    return hashlib.sha256(lines.encode()).hexdigest()


def plan(layout: Sequence[LayoutPart], wanted: Mapping[str, str]) -> tuple[Layout, list[str]]:
    """The parts of ``layout`` that still serve the documents ``wanted`` (id -> fingerprint),
    with what they no longer hold removed, and the ids no part holds: those need a new
    segment."""
    covered: set[str] = set()
    kept: list[LayoutPart] = []
    for part in layout:
        segment = part.segment
        removed = frozenset(
            doc_id
            for doc_id, fingerprint in segment.fingerprints.items()
            if wanted.get(doc_id) != fingerprint or doc_id in covered
        )
        # A segment with nothing live left is dropped, except the base (the first part): an
        # emptied corpus is still a version, one that finds nothing.
        if len(removed) < len(segment.fingerprints) or (not kept and not segment.mergeable):
            kept.append(LayoutPart(segment, removed))
            covered.update(set(segment.fingerprints) - removed)
    missing = sorted(doc_id for doc_id in wanted if doc_id not in covered)
    return tuple(kept), missing


@dataclass(frozen=True)
class _LiveRows:
    """What a layout part contributes: its live passages and sentences, and their rows."""

    passages: list[Passage]
    passage_rows: npt.NDArray[np.int64]  # of the segment's FAISS index
    keys: list[SentenceKey]
    sentence_rows: npt.NDArray[np.int64]  # of the segment's sentence vectors


def _live_rows(part: LayoutPart) -> _LiveRows:
    index = part.segment.index
    passage_rows = [i for i, p in enumerate(index.passages) if p.document_id not in part.removed]
    all_keys = sentence_keys(index.passages)  # the order of the segment's sentence vectors
    sentence_rows = [i for i, k in enumerate(all_keys) if k.document_id not in part.removed]
    return _LiveRows(
        [index.passages[i] for i in passage_rows],
        np.asarray(passage_rows, dtype=np.int64),
        [all_keys[i] for i in sentence_rows],
        np.asarray(sentence_rows, dtype=np.int64),
    )


def _identity(layout: Layout) -> dict[str, str]:
    """What a version is made of: each segment's checksum and the documents left out of it."""
    files: dict[str, str] = {}
    for part in layout:
        files[part.segment.name] = part.segment.index.manifest.checksum
        if part.removed:
            removed = json.dumps(sorted(part.removed)).encode()
            files[f"{part.segment.name} removed"] = hashlib.sha256(removed).hexdigest()
    return files


def compose(
    layout: Layout,
    version: int,
    corpus: str | None = None,
    shared_search: SharedSearch | None = None,
) -> LoadedIndex:
    """The index that version ``version`` answers with: the layout's live passages, searched
    in each segment's own FAISS index, or in one shared store (``shared_search``)."""
    if not layout:
        raise ValueError("a version needs at least one segment with a live document")
    passages: list[Passage] = []
    documents: dict[str, Document] = {}
    keys: list[SentenceKey] = []
    vectors: list[npt.NDArray[np.float16]] = []
    parts: list[PassageSearch] = []
    placed: list[tuple[LayoutPart, npt.NDArray[np.int64]]] = []
    for part in layout:
        index = part.segment.index
        live = _live_rows(part)
        positions = np.full(len(index.passages), -1, dtype=np.int64)
        positions[live.passage_rows] = np.arange(len(passages), len(passages) + len(live.passages))
        placed.append((part, positions))
        parts.append(
            SearchPart(index.own_part().faiss_index, positions, int((positions < 0).sum()))
        )
        passages.extend(live.passages)
        documents.update(
            (doc_id, doc) for doc_id, doc in index.documents.items() if doc_id not in part.removed
        )
        keys.extend(live.keys)
        vectors.append(index.sentences.vectors[live.sentence_rows])
    base = layout[0].segment.index.manifest
    files = _identity(layout)
    manifest = Manifest(
        format=FORMAT_VERSION,
        embedding_model=base.embedding_model,
        dimension=base.dimension,
        metric=METRIC,
        index_type=base.index_type,
        index_parameters=base.index_parameters,
        count=len(passages),
        documents=len(documents),
        passage_window=base.passage_window,
        passage_stride=base.passage_stride,
        corpus_fingerprint=corpus_fingerprint(documents.values()),
        files=files,
        checksum=combined_checksum(files),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        corpus=corpus,
        version=version,
    )
    table = SentenceTable(keys, np.concatenate(vectors), documents)
    if shared_search is not None:
        parts = [shared_search(placed)]
    return LoadedIndex(manifest, parts, passages, documents, table)


LEASES = ".leases"
# A lease not renewed for this long belongs to a process that is gone (servers renew theirs
# every version_poll_s, and whenever they load a version).
LEASE_TTL_S = 120.0


class SegmentStore:
    """The folder of segments written for documents added after the base index."""

    def __init__(
        self,
        directory: Path,
        embedder: Embedder,
        spec: IndexSpec,
        *,
        owner: str | None = None,
        lease_ttl_s: float = LEASE_TTL_S,
        clock: Callable[[], float] = time.time,
        shared: SharedVectors | None = None,
    ) -> None:
        self.directory = directory
        self.shared = shared
        self._owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lease_ttl_s = lease_ttl_s
        self._clock = clock
        self._embedder = embedder
        # Added segments are small: "auto" gives them an exact flat index whatever the
        # base uses (an HNSW or IVF index of a few passages would be all overhead).
        self._spec = replace(spec, index_type="auto")

    def name_for(self, documents: Sequence[Document]) -> str:
        """The directory name of a segment of ``documents``: a digest of what it holds."""
        spec = self._spec
        prints = {d.id: document_fingerprint(d) for d in documents}
        return segment_name(
            spec.embedding_model,
            spec.passage_window,
            spec.passage_stride,
            spec.passage_vectors,
            prints,
        )

    def shared_name(self, segment: Segment) -> str:
        """A segment's name in the shared store: its own, or a base index's ``base_name``."""
        if segment.mergeable:
            return segment.name
        manifest = segment.index.manifest
        return base_name(
            manifest.embedding_model,
            manifest.passage_window,
            manifest.passage_stride,
            manifest.passage_vectors,
            list(segment.fingerprints.items()),  # in the order of its rows
        )

    def _load(self, name: str) -> Segment:
        index = load_index(
            self.directory / name,
            embedding_model=self._embedder.name,
            dimension=self._embedder.dimension,
        )
        return Segment.of(name, index, mergeable=True)

    def build(
        self,
        documents: Sequence[Document],
        progress: Progress | None = None,
        *,
        await_shared_s: float = 0.0,
    ) -> Segment:
        """A segment of ``documents``: read back if one was written before (here, or by any
        process into the shared store), else embedded. ``await_shared_s``: how long to wait
        for another process, which added these documents, to write them to the shared store."""
        documents = sorted(documents, key=lambda d: d.id)  # the same rows in every process
        name = self.name_for(documents)
        folder = self.directory / name
        if not (folder / "manifest.json").exists() and not self._await_shared(
            name, documents, folder, await_shared_s
        ):
            build_index(documents, self._embedder, self._spec, self.directory / name, progress)
        return self._load(name)

    def _await_shared(
        self, name: str, documents: Sequence[Document], folder: Path, wait_s: float
    ) -> bool:
        """Restore segment ``name`` from the shared store, waiting up to ``wait_s`` for it."""
        deadline = time.monotonic() + wait_s
        while not self.restore(name, documents, self._spec, folder):
            if self.shared is None or time.monotonic() >= deadline:
                if self.shared is not None and wait_s > 0:
                    log.warning(
                        "segment %s did not reach the shared store within %.1f s: embedded here",
                        name,
                        wait_s,
                    )
                return False
            time.sleep(_SHARED_POLL_S)
        return True

    def restore(
        self, name: str, documents: Sequence[Document], spec: IndexSpec, out_dir: Path
    ) -> bool:
        """Write segment ``name`` of ``documents`` to ``out_dir`` from the shared store's
        vectors, embedding nothing; False when the store does not hold it."""
        if self.shared is None or not self.shared.has(name):
            return False
        stored = self.shared.get(name)
        passages = build_passages(documents, spec.passage_window, spec.passage_stride)
        keys = sentence_keys(passages)
        if [p.document_id for p in passages] != stored.passage_documents or [
            k.document_id for k in keys
        ] != stored.sentence_documents:
            raise ValueError(f"segment {name} in the shared store holds other passages")
        contents = IndexContents(
            list(documents), passages, stored.passage_vectors, stored.sentence_vectors
        )
        write_index(contents, self._embedder.name, spec, out_dir)
        log.info(
            "segment %s: %d passages read from the shared vector store, none embedded",
            name,
            len(passages),
        )
        return True

    def share(self, layout: Layout) -> None:
        """Write the layout's segments that the shared store lacks into it."""
        if self.shared is None:
            return
        for part in layout:
            name = self.shared_name(part.segment)
            if self.shared.has(name):
                continue
            index = part.segment.index
            rows = np.arange(len(index.passages), dtype=np.int64)
            self.shared.put(
                name,
                [p.document_id for p in index.passages],
                index.own_part().vectors(rows),
                [k.document_id for k in sentence_keys(index.passages)],
                index.sentences.vectors,
            )

    @property
    def shared_search(self) -> SharedSearch | None:
        """How compose searches a version: in the shared store, or (None) each segment's own
        FAISS index."""
        shared = self.shared
        if shared is None:
            return None

        def search(placed: Sequence[tuple[LayoutPart, npt.NDArray[np.int64]]]) -> PassageSearch:
            names = {self.shared_name(part.segment): positions for part, positions in placed}
            removed = {self.shared_name(part.segment): sorted(part.removed) for part, _ in placed}
            return shared.search_part(names, removed)

        return search

    def merge(self, parts: Sequence[LayoutPart]) -> Segment:
        """One segment of the parts' live documents, from the vectors they already hold; its
        rows in the order a build of the same documents gives (by document id), so a merged
        segment in the shared store reads back as any process would have built it."""
        documents: list[Document] = []
        passages: list[Passage] = []
        keys: list[SentenceKey] = []
        passage_vectors: list[Vectors] = []
        sentence_vectors: list[npt.NDArray[np.float16]] = []
        for part in parts:
            index = part.segment.index
            live = _live_rows(part)
            documents.extend(d for i, d in index.documents.items() if i not in part.removed)
            passages.extend(live.passages)
            keys.extend(live.keys)
            passage_vectors.append(index.own_part().vectors(live.passage_rows))
            sentence_vectors.append(index.sentences.vectors[live.sentence_rows])
        documents.sort(key=lambda d: d.id)
        rank = {d.id: i for i, d in enumerate(documents)}
        by_passage = sorted(range(len(passages)), key=lambda i: rank[passages[i].document_id])
        by_sentence = sorted(range(len(keys)), key=lambda i: rank[keys[i].document_id])
        contents = IndexContents(
            documents,
            [passages[i] for i in by_passage],
            np.ascontiguousarray(np.concatenate(passage_vectors)[by_passage], dtype=np.float32),
            np.concatenate(sentence_vectors)[by_sentence],
        )
        return self.write(contents)

    def write(self, contents: IndexContents) -> Segment:
        """The segment of ``contents`` (embedded elsewhere: a merge, an import), written
        unless a segment of the same documents is there already."""
        name = self.name_for(contents.documents)
        if not (self.directory / name / "manifest.json").exists():
            write_index(contents, self._embedder.name, self._spec, self.directory / name)
        return self._load(name)

    @property
    def spec(self) -> IndexSpec:
        """How this store's segments are built."""
        return self._spec

    @property
    def embedding_model(self) -> str:
        """The embedder whose vectors this store's segments hold."""
        return self._embedder.name

    def cached(self) -> list[str]:
        """Segments written earlier (by this process or another sharing the folder)."""
        if not self.directory.is_dir():
            return []
        return sorted(
            path.name
            for path in self.directory.iterdir()
            if path.name.startswith(SEGMENT_PREFIX) and (path / "manifest.json").exists()
        )

    def reuse(self, wanted: Mapping[str, str], layout: Layout) -> Layout:
        """``layout`` plus written segments that hold only wanted documents it lacks: a
        restarted replica reads what it embedded before instead of embedding it again."""
        parts = list(layout)
        covered = {i for part in layout for i in part.segment.fingerprints if i not in part.removed}
        in_use = {part.segment.name for part in layout}
        for name in self.cached():
            if name in in_use:
                continue
            try:
                segment = self._load(name)
            except (OSError, ValueError, FactdeskError) as exc:  # damaged: rebuilt, not trusted
                log.warning("segment %s not reused: %s", name, exc)
                continue
            prints = segment.fingerprints
            if all(wanted.get(i) == p and i not in covered for i, p in prints.items()):
                parts.append(LayoutPart(segment, frozenset()))
                covered.update(prints)
        return tuple(parts)

    def hold(self, names: set[str]) -> None:
        """Record the segments this process uses (and renew its lease on them)."""
        folder = self.directory / LEASES
        folder.mkdir(parents=True, exist_ok=True)
        written = folder / f".{self._owner}.tmp"
        written.write_text(json.dumps(sorted(names)), encoding="utf-8")
        written.replace(folder / f"{self._owner}.json")

    def release(self) -> None:
        """This process uses no segment any more (it is closing)."""
        (self.directory / LEASES / f"{self._owner}.json").unlink(missing_ok=True)

    def held_by_others(self) -> set[str]:
        """The segments named by the live leases of other processes; stale leases go."""
        held: set[str] = set()
        now = self._clock()
        for lease in sorted((self.directory / LEASES).glob("*.json")):
            if lease.stem == self._owner:
                continue
            try:
                fresh = now - lease.stat().st_mtime <= self._lease_ttl_s
                names = json.loads(lease.read_text(encoding="utf-8")) if fresh else []
            except (OSError, ValueError):  # being replaced, or gone: read it next time
                continue
            if fresh:
                held.update(str(name) for name in names)
            else:
                lease.unlink(missing_ok=True)
        return held

    def prune(self, keep: set[str]) -> list[str]:
        """Hold ``keep`` and remove the segments that neither it nor another process's live
        lease names; the names removed."""
        self.hold(keep)
        spare = keep | self.held_by_others()
        removed = [name for name in self.cached() if name not in spare]
        for name in removed:
            shutil.rmtree(self.directory / name, ignore_errors=True)
        return removed


Fetch = Callable[[Sequence[str]], list[Document]]  # the documents of these ids


def advance(
    store: SegmentStore,
    layout: Layout,
    wanted: Mapping[str, str],
    fetch: Fetch,
    max_segments: int,
    *,
    reuse_written: bool = False,
    progress: Progress | None = None,
    await_shared_s: float = 0.0,
) -> Layout:
    """The layout of a version holding the documents ``wanted`` (id -> fingerprint), from
    the previous ``layout``: the documents it lacks embedded into one new segment (only
    their texts are fetched), removed ones left out, and the added segments merged when
    there are more than ``max_segments`` of them. ``reuse_written``: first look for
    segments written before (a restart) that hold documents it lacks. ``await_shared_s``: how
    long to wait for another process to write the new segment to the shared store."""
    kept, missing = plan(layout, wanted)
    if missing and reuse_written:
        kept, missing = plan(store.reuse(wanted, kept), wanted)
    if missing:
        documents = fetch(missing)
        if {d.id: document_fingerprint(d) for d in documents} != {i: wanted[i] for i in missing}:
            raise ValueError("the fetched documents are not the ones asked for")
        kept = (
            *kept,
            LayoutPart(
                store.build(documents, progress, await_shared_s=await_shared_s), frozenset()
            ),
        )
    mergeable = [part for part in kept if part.segment.mergeable]
    if len(mergeable) > max_segments:
        merged = store.merge(mergeable)
        kept = (
            *(part for part in kept if not part.segment.mergeable),
            LayoutPart(merged, frozenset()),
        )
    store.share(kept)
    return kept
