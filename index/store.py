"""Index artifacts: immutable, self-describing, verified on load.

A built index is a directory::

    manifest.json     format, embedding model, dimension, metric, index type and parameters,
                      passage count, corpus fingerprint, and a checksum of every other file
    index.faiss       the FAISS index (inner product over normalised vectors)
    passages.jsonl    one passage per line, in index order
    documents.jsonl   the documents (text and metadata) the offsets point into
    sentences.npy     fp16 embeddings of the passages' distinct sentences, in the order
                      ``index.sentences.sentence_keys`` gives: the verifier ranks
                      evidence sentences with them instead of embedding them per request

Loading recomputes every checksum and compares the manifest with what the service is
configured to use; any mismatch is an ``IndexMismatchError`` that says what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import UnavailableError
from factdesk.core.files import read_jsonl, sha256_file, write_jsonl
from index.backends import backend_named, build_vector_index
from index.corpus import METADATA_FIELDS, Document, corpus_fingerprint
from index.embedding import Embedder, Vectors, normalise
from index.passages import Passage, build_passages
from index.segment import Span
from index.sentences import IndexedSentence, SentenceKey, SentenceTable, sentence_keys

FORMAT_VERSION = 2
METRIC = "inner_product"
_FILES = ("index.faiss", "passages.jsonl", "documents.jsonl", "sentences.npy")


class IndexArtifactError(UnavailableError):
    """Base of problems with index artifacts."""

    slug = "index-unavailable"
    title = "Index unavailable"


class IndexMissingError(IndexArtifactError):
    pass


class IndexMismatchError(IndexArtifactError):
    pass


@dataclass(frozen=True)
class IndexSpec:
    """How to build an index; also what a loaded index must match. Built from Settings by
    factdesk.wiring, which holds the defaults."""

    embedding_model: str
    passage_window: int
    passage_stride: int
    index_type: str  # auto | flat | hnsw | ivf | ivf_sq8 (index.backends)
    flat_max_passages: int  # "auto" switches to HNSW above this
    hnsw_m: int
    hnsw_ef_construction: int
    hnsw_ef_search: int
    ivf_nlist: int  # 0: 4 * sqrt(n)
    ivf_nprobe: int
    # How a passage gets its vector: "encode" embeds its text; "sentence_mean" averages its
    # sentences' vectors, which are computed anyway, so a build makes one encoder pass.
    passage_vectors: str = "encode"


@dataclass(frozen=True)
class Manifest:
    format: int
    embedding_model: str
    dimension: int
    metric: str
    index_type: str
    index_parameters: dict[str, int]
    count: int
    documents: int
    passage_window: int
    passage_stride: int
    corpus_fingerprint: str
    files: dict[str, str]  # name -> sha256
    checksum: str  # over the file checksums: the index's identity in the audit trail
    built_at: str
    # The corpus it was built from, as given (a path or pkg: reference); `factdesk serve
    # --index DIR` checks against it. None in indexes built before it was recorded.
    corpus: str | None = None
    # The corpus version (index/versions.py) this index answers for; None for a directory
    # built by `factdesk index build`, which is one segment of whichever version uses it.
    version: int | None = None
    passage_vectors: str = "encode"  # IndexSpec.passage_vectors it was built with

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))


def combined_checksum(files: dict[str, str]) -> str:
    """One checksum over named checksums: an index's (or a version's) identity."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def _passage_row(passage: Passage) -> dict[str, Any]:
    return {
        "id": passage.id,
        "document_id": passage.document_id,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "sentences": [[s.start, s.end] for s in passage.sentences],
    }


def _document_row(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "text": document.text,
        **document.metadata(),
        "sentences": list(document.sentences) if document.sentences is not None else None,
    }


Progress = Callable[[str, int, int], None]  # (stage, texts done, texts in the stage)
_PROGRESS_CHUNK = 512


def _embed(embedder: Embedder, texts: Sequence[str], stage: str, progress: Progress | None) -> Any:
    """All vectors of ``texts``, reported to ``progress`` every few hundred."""
    if progress is None:
        return embedder.embed(texts)
    progress(stage, 0, len(texts))
    parts = []
    for start in range(0, len(texts), _PROGRESS_CHUNK):
        parts.append(embedder.embed(texts[start : start + _PROGRESS_CHUNK]))
        progress(stage, min(start + _PROGRESS_CHUNK, len(texts)), len(texts))
    return np.concatenate(parts) if parts else embedder.embed([])


def build_index(
    documents: Sequence[Document],
    embedder: Embedder,
    spec: IndexSpec,
    out_dir: Path,
    progress: Progress | None = None,
    corpus: str | None = None,
) -> Manifest:
    """Write a complete index to ``out_dir`` atomically (a sibling temp dir, then rename)."""
    if spec.embedding_model != embedder.name:
        raise ValueError(f"spec names {spec.embedding_model!r}, embedder is {embedder.name!r}")
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists: index artifacts are immutable, choose a new dir")
    contents = embed_contents(documents, embedder, spec, progress)
    return write_index(contents, embedder.name, spec, out_dir, corpus)


def embed_contents(
    documents: Sequence[Document],
    embedder: Embedder,
    spec: IndexSpec,
    progress: Progress | None = None,
) -> IndexContents:
    """The documents' passages and sentences, embedded: everything an index holds but its
    FAISS index and manifest. A document's rows depend on it alone, so the contents of a
    list of documents are those of its parts, concatenated (what a sharded import uses)."""
    passages = build_passages(documents, spec.passage_window, spec.passage_stride)
    by_id = {d.id: d for d in documents}
    keys = sentence_keys(passages)
    texts = [by_id[k.document_id].text[k.start : k.end] for k in keys]
    if spec.passage_vectors == "sentence_mean":
        sentence_vectors = _embed(embedder, texts, "sentences", progress)
        vectors = _mean_of_sentences(passages, keys, sentence_vectors)
    elif spec.passage_vectors == "encode":
        vectors = _embed(embedder, [p.text for p in passages], "passages", progress)
        sentence_vectors = _embed(embedder, texts, "sentences", progress)
    else:
        raise ValueError(
            f"passage_vectors must be encode or sentence_mean, not {spec.passage_vectors!r}"
        )
    return IndexContents(list(documents), passages, vectors, sentence_vectors.astype(np.float16))


def _mean_of_sentences(
    passages: Sequence[Passage], keys: Sequence[SentenceKey], sentence_vectors: Vectors
) -> Vectors:
    """Each passage's vector as the normalised mean of its sentences' vectors."""
    row_of = {key: row for row, key in enumerate(keys)}
    means = (
        np.stack(
            [
                sentence_vectors[[row_of[k] for k in sentence_keys([p])]].mean(axis=0)
                for p in passages
            ]
        )
        if passages
        else np.zeros((0, sentence_vectors.shape[1]), dtype=np.float32)
    )
    return normalise(means)


@dataclass(frozen=True)
class IndexContents:
    """What an index directory holds, before it is written: the embedding work done."""

    documents: list[Document]
    passages: list[Passage]
    passage_vectors: Vectors  # normalised, one row per passage
    sentence_vectors: npt.NDArray[np.float16]  # one row per sentence_keys(passages)


def write_index(
    contents: IndexContents,
    embedding_model: str,
    spec: IndexSpec,
    out_dir: Path,
    corpus: str | None = None,
) -> Manifest:
    """Write ``contents`` as an immutable index directory (a sibling temp dir, then a rename).

    Someone else may write the same directory at the same time (two replicas sharing a
    folder build the same segment): the first rename wins and the other copy is dropped,
    which is safe because a directory's name says what it holds.
    """
    import faiss

    index, kind, parameters = build_vector_index(spec, contents.passage_vectors)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    faiss.write_index(index, str(staging / "index.faiss"))
    np.save(staging / "sentences.npy", contents.sentence_vectors, allow_pickle=False)
    write_jsonl(staging / "passages.jsonl", map(_passage_row, contents.passages))
    write_jsonl(staging / "documents.jsonl", map(_document_row, contents.documents))
    files = {name: sha256_file(staging / name) for name in _FILES}
    manifest = Manifest(
        format=FORMAT_VERSION,
        embedding_model=embedding_model,
        dimension=int(contents.passage_vectors.shape[1]),
        metric=METRIC,
        index_type=kind,
        index_parameters=parameters,
        count=len(contents.passages),
        documents=len(contents.documents),
        passage_window=spec.passage_window,
        passage_stride=spec.passage_stride,
        corpus_fingerprint=corpus_fingerprint(contents.documents),
        files=files,
        checksum=combined_checksum(files),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        corpus=corpus,
        passage_vectors=spec.passage_vectors,
    )
    (staging / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    for path in staging.iterdir():
        path.chmod(0o444)
    staging.chmod(0o755)
    try:
        os.replace(staging, out_dir)
    except OSError:
        if not (out_dir / "manifest.json").exists():
            raise
        shutil.rmtree(staging)  # written meanwhile by someone else: theirs stands
        return read_manifest(out_dir)
    return manifest


class PassageSearch(Protocol):
    """What a loaded index searches: a FAISS index of its own (``SearchPart``) or a vector
    store shared between processes (index/milvus.py), filtered to one version's rows."""

    @property
    def searchable(self) -> int:
        """Passages it answers with (rows of removed documents not counted)."""
        ...

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions in LoadedIndex.passages) of up to ``k`` rows per query row;
        a row that found nothing has position -1 and score -inf."""
        ...


@dataclass(frozen=True)
class SearchPart:
    """One FAISS index of a loaded index, and where its rows stand in the whole."""

    faiss_index: Any
    # Row of this FAISS index -> position in LoadedIndex.passages; -1: a removed document's.
    positions: npt.NDArray[np.int64]
    removed: int  # rows that map to -1

    @classmethod
    def whole(cls, faiss_index: Any) -> SearchPart:
        return cls(faiss_index, np.arange(faiss_index.ntotal, dtype=np.int64), 0)

    @property
    def searchable(self) -> int:
        return int(self.faiss_index.ntotal) - self.removed

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        # A removed document's rows are still in the index: ask for enough beyond them.
        depth = min(k + self.removed, self.faiss_index.ntotal)
        if depth == 0:
            empty = np.zeros((len(query), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        scores, rows = self.faiss_index.search(query, depth)
        positions = np.where(rows >= 0, self.positions[np.maximum(rows, 0)], -1)
        return np.where(positions >= 0, scores, -np.inf), positions

    def vectors(self, rows: npt.NDArray[np.int64]) -> Vectors:
        """The stored vectors of ``rows`` of the FAISS index (what a merge or a share reuses
        instead of embedding again)."""
        if not len(rows):
            return np.zeros((0, self.faiss_index.d), dtype=np.float32)
        return np.stack([self.faiss_index.reconstruct(int(row)) for row in rows])


@dataclass
class LoadedIndex:
    """The passages a claim is searched in. One index directory has one search part; an index
    version (index/versions.py) is several segments, some of whose documents are removed,
    searched in their own FAISS indexes or, with a shared vector store, in one filtered search."""

    manifest: Manifest
    parts: Sequence[PassageSearch]
    passages: list[Passage]
    documents: dict[str, Document]
    sentences: SentenceTable
    # Each passage's sentences, by passage position: what retrieval scores per hit.
    passage_sentences: list[tuple[IndexedSentence, ...]] = field(init=False)
    passage_counts: dict[str, int] = field(init=False)  # document id -> passages
    # The same passages in other embedders' vectors, by embedding model (FACTDESK_MULTILINGUAL:
    # claims in other languages are searched in multilingual-e5-small's).
    companions: dict[str, LoadedIndex] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.passage_sentences = [
            tuple(self.sentences[key] for key in sentence_keys([passage]))
            for passage in self.passages
        ]
        self.passage_counts = dict(Counter(passage.document_id for passage in self.passages))

    @property
    def searchable(self) -> int:
        """Passages the search parts answer with: equals the manifest's count when whole."""
        return sum(part.searchable for part in self.parts)

    def same_passages(self, other: LoadedIndex) -> bool:
        """Whether ``other`` holds this index's passages, in its order (another embedder's
        vectors of them: a companion)."""
        return [p.id for p in self.passages] == [p.id for p in other.passages]

    def own_part(self) -> SearchPart:
        """The FAISS index of an index read from one directory (a segment's)."""
        part = self.parts[0]
        if len(self.parts) != 1 or not isinstance(part, SearchPart):
            raise TypeError("only an index read from one directory has a FAISS index of its own")
        return part

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the top ``k`` passages for each query row; -1 pads."""
        found = [part.search(query, k) for part in self.parts]
        found = [(scores, positions) for scores, positions in found if positions.shape[1]]
        if not found:
            empty = np.zeros((len(query), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        scores = np.concatenate([s for s, _ in found], axis=1)
        positions = np.concatenate([p for _, p in found], axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")[:, : min(k, len(self.passages))]
        top_scores = np.take_along_axis(scores, order, axis=1)
        top = np.take_along_axis(positions, order, axis=1)
        return np.where(np.isfinite(top_scores), top_scores, 0).astype(np.float32), top


def _read_passages(path: Path) -> list[Passage]:
    return [
        Passage(
            id=row["id"],
            document_id=row["document_id"],
            start=row["start"],
            end=row["end"],
            text=row["text"],
            sentences=tuple(Span(a, b) for a, b in row["sentences"]),
        )
        for _, row in read_jsonl(path)
    ]


def _read_documents(path: Path) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    for _, row in read_jsonl(path):
        # A field added after the index was written is absent: its default stands.
        metadata = {name: row[name] for name in METADATA_FIELDS if name in row}
        documents[row["id"]] = Document.stored(
            row["id"],
            row["text"],
            **metadata,
            sentences=tuple(row["sentences"]) if row.get("sentences") else None,
        )
    return documents


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / "manifest.json"
    if not path.exists():
        raise IndexMissingError(f"no index at {index_dir} (no manifest.json)")
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (TypeError, ValueError) as exc:
        raise IndexMismatchError(f"{path} is not a factdesk index manifest: {exc}") from exc


def _manifest_problems(
    manifest: Manifest,
    index_dir: Path,
    embedding_model: str,
    dimension: int,
    expected_fingerprint: str | None,
) -> list[str]:
    """Every way the artifacts disagree with their manifest or with the configuration."""
    problems: list[str] = []
    if manifest.format != FORMAT_VERSION:
        problems.append(f"format {manifest.format}, this factdesk reads {FORMAT_VERSION}")
    if manifest.embedding_model != embedding_model:
        problems.append(
            f"built with embedding model {manifest.embedding_model!r}, "
            f"configured model is {embedding_model!r}"
        )
    if manifest.dimension != dimension:
        problems.append(f"dimension {manifest.dimension}, the embedding model gives {dimension}")
    if manifest.metric != METRIC:
        problems.append(f"metric {manifest.metric!r}, expected {METRIC!r}")
    if expected_fingerprint is not None and manifest.corpus_fingerprint != expected_fingerprint:
        problems.append("the corpus has changed since this index was built (fingerprint differs)")
    for name in _FILES:
        path = index_dir / name
        if not path.exists():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != manifest.files.get(name):
            problems.append(f"{name} does not match its checksum in the manifest")
    if combined_checksum(manifest.files) != manifest.checksum:
        problems.append("the manifest's checksum does not match its file checksums")
    return problems


def load_index(
    index_dir: Path,
    *,
    embedding_model: str,
    dimension: int,
    expected_fingerprint: str | None = None,
) -> LoadedIndex:
    """Load and verify an index; every mismatch with the configuration is refused."""
    import faiss

    manifest = read_manifest(index_dir)
    problems = _manifest_problems(
        manifest, index_dir, embedding_model, dimension, expected_fingerprint
    )
    if problems:
        raise IndexMismatchError(
            f"index {index_dir} refused: "
            + "; ".join(problems)
            + ". Build a new one with `factdesk index build --out NEW_DIR` and set "
            "FACTDESK_INDEX_DIR to it (or remove this directory to rebuild it in place)"
        )

    faiss_index: Any = faiss.read_index(str(index_dir / "index.faiss"))
    backend_named(manifest.index_type).configure(faiss_index, manifest.index_parameters)
    passages = _read_passages(index_dir / "passages.jsonl")
    if faiss_index.ntotal != manifest.count or len(passages) != manifest.count:
        raise IndexMismatchError(
            f"index {index_dir} refused: manifest count {manifest.count}, FAISS holds "
            f"{faiss_index.ntotal}, passages file {len(passages)}"
        )
    if faiss_index.d != manifest.dimension:
        raise IndexMismatchError(f"index {index_dir} refused: FAISS dimension {faiss_index.d}")
    keys = sentence_keys(passages)
    sentence_vectors = np.load(index_dir / "sentences.npy", allow_pickle=False)
    if sentence_vectors.shape != (len(keys), manifest.dimension):
        raise IndexMismatchError(
            f"index {index_dir} refused: sentences.npy holds {sentence_vectors.shape}, the "
            f"passages have {len(keys)} sentences of dimension {manifest.dimension}"
        )
    documents = _read_documents(index_dir / "documents.jsonl")
    return LoadedIndex(
        manifest,
        [SearchPart.whole(faiss_index)],
        passages,
        documents,
        SentenceTable(keys, sentence_vectors, documents),
    )
