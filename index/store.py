"""Index artifacts: immutable, self-describing, verified on load.

A built index is a directory::

    manifest.json     format, embedding model, dimension, metric, index type and parameters,
                      passage count, corpus fingerprint, and a checksum of every other file
    index.faiss       the FAISS index (inner product over normalised vectors)
    passages.jsonl    one passage per line, in index order
    documents.jsonl   the documents (text and metadata) the offsets point into
    sentences.npy     fp16 embeddings of the passages' distinct sentences, in the order
                      ``sentence_keys`` gives: the verifier ranks evidence sentences with
                      them instead of embedding them on every request

Loading recomputes every checksum and compares the manifest with what the service is
configured to use; any mismatch is an ``IndexMismatchError`` that says what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from factdesk.errors import FactdeskError
from index.corpus import Document, corpus_fingerprint
from index.embedding import Embedder, Vectors
from index.passages import Passage, build_passages
from index.segment import Span

FORMAT_VERSION = 2
METRIC = "inner_product"
_FILES = ("index.faiss", "passages.jsonl", "documents.jsonl", "sentences.npy")

SentenceKey = tuple[str, int, int]  # (document id, start, end)


def sentence_keys(passages: Sequence[Passage]) -> list[SentenceKey]:
    """The distinct sentences of ``passages``, in first-seen order."""
    keys: dict[SentenceKey, None] = {}
    for passage in passages:
        for span in passage.sentences:
            keys.setdefault((passage.document_id, span.start, span.end), None)
    return list(keys)


class IndexArtifactError(FactdeskError):
    """Base of problems with index artifacts."""


class IndexMissingError(IndexArtifactError):
    pass


class IndexMismatchError(IndexArtifactError):
    pass


@dataclass(frozen=True)
class IndexSpec:
    """How to build an index; also what a loaded index must match."""

    embedding_model: str
    passage_window: int = 3
    passage_stride: int = 2
    index_type: str = "auto"  # auto | flat | hnsw | ivf | ivf_sq8
    flat_max_passages: int = 50_000  # "auto" switches to HNSW above this
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 64
    ivf_nlist: int = 0  # 0: 4 * sqrt(n)
    ivf_nprobe: int = 16


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

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _combined(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def _training_sample(vectors: Vectors, size: int) -> Vectors:
    if len(vectors) <= size:
        return vectors
    rows = np.random.default_rng(0).choice(len(vectors), size=size, replace=False)
    sample: Vectors = vectors[np.sort(rows)]
    return sample


def build_faiss_index(spec: IndexSpec, vectors: Vectors) -> tuple[Any, str, dict[str, int]]:
    import faiss

    count, dimension = vectors.shape
    kind = spec.index_type
    if kind == "auto":
        kind = "flat" if count <= spec.flat_max_passages else "hnsw"
    if kind == "flat":
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat, kind, {}
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dimension, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = spec.hnsw_ef_construction
        hnsw.hnsw.efSearch = spec.hnsw_ef_search
        hnsw.add(vectors)
        return (
            hnsw,
            kind,
            {
                "m": spec.hnsw_m,
                "ef_construction": spec.hnsw_ef_construction,
                "ef_search": spec.hnsw_ef_search,
            },
        )
    if kind in ("ivf", "ivf_sq8"):
        nlist = spec.ivf_nlist or max(1, int(4 * np.sqrt(count)))
        quantizer = faiss.IndexFlatIP(dimension)
        ivf: Any
        if kind == "ivf":
            ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            # One byte per dimension: a quarter of the float vectors' memory, which is what
            # lets a million passages fit in a few hundred bytes each.
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer,
                dimension,
                nlist,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
        # k-means on every vector costs minutes at a million; ~50 per list is plenty.
        sample = _training_sample(vectors, 50 * nlist)
        ivf.train(sample)
        ivf.add(vectors)
        ivf.nprobe = spec.ivf_nprobe
        return ivf, kind, {"nlist": nlist, "nprobe": spec.ivf_nprobe}
    raise ValueError(f"unknown index type {spec.index_type!r} (auto, flat, hnsw, ivf or ivf_sq8)")


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
        "title": document.title,
        "publisher": document.publisher,
        "authors": list(document.authors),
        "published": document.published,
        "url": document.url,
        "language": document.language,
        "sentences": list(document.sentences) if document.sentences is not None else None,
    }


def build_index(
    documents: Sequence[Document], embedder: Embedder, spec: IndexSpec, out_dir: Path
) -> Manifest:
    """Write a complete index to ``out_dir`` atomically (a sibling temp dir, then rename)."""
    import faiss

    if spec.embedding_model != embedder.name:
        raise ValueError(f"spec names {spec.embedding_model!r}, embedder is {embedder.name!r}")
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists: index artifacts are immutable, choose a new dir")
    passages = build_passages(documents, spec.passage_window, spec.passage_stride)
    vectors = embedder.embed([p.text for p in passages])
    index, kind, parameters = build_faiss_index(spec, vectors)
    by_id = {d.id: d for d in documents}
    sentence_vectors = embedder.embed(
        [by_id[doc].text[start:end] for doc, start, end in sentence_keys(passages)]
    ).astype(np.float16)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    faiss.write_index(index, str(staging / "index.faiss"))
    np.save(staging / "sentences.npy", sentence_vectors, allow_pickle=False)
    with (staging / "passages.jsonl").open("w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(_passage_row(passage), ensure_ascii=False) + "\n")
    with (staging / "documents.jsonl").open("w", encoding="utf-8") as handle:
        for document in documents:
            handle.write(json.dumps(_document_row(document), ensure_ascii=False) + "\n")
    files = {name: _sha256(staging / name) for name in _FILES}
    manifest = Manifest(
        format=FORMAT_VERSION,
        embedding_model=embedder.name,
        dimension=embedder.dimension,
        metric=METRIC,
        index_type=kind,
        index_parameters=parameters,
        count=len(passages),
        documents=len(documents),
        passage_window=spec.passage_window,
        passage_stride=spec.passage_stride,
        corpus_fingerprint=corpus_fingerprint(documents),
        files=files,
        checksum=_combined(files),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    (staging / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    for path in staging.iterdir():
        path.chmod(0o444)
    staging.chmod(0o755)
    os.replace(staging, out_dir)
    return manifest


@dataclass
class LoadedIndex:
    manifest: Manifest
    faiss_index: Any
    passages: list[Passage]
    documents: dict[str, Document]
    sentence_vectors: npt.NDArray[np.float16]
    sentence_rows: dict[SentenceKey, int]

    def sentence_relevance(self, keys: Sequence[SentenceKey], query: Vectors) -> Vectors:
        """Cosine similarity of the stored sentences ``keys`` to one normalised query."""
        rows = [self.sentence_rows[key] for key in keys]
        similarities: Vectors = self.sentence_vectors[rows].astype(np.float32) @ query[0]
        return similarities

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the top ``k`` passages for each query row."""
        scores, positions = self.faiss_index.search(query, min(k, len(self.passages)))
        return scores, positions


def _read_passages(path: Path) -> list[Passage]:
    passages: list[Passage] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            passages.append(
                Passage(
                    id=row["id"],
                    document_id=row["document_id"],
                    start=row["start"],
                    end=row["end"],
                    text=row["text"],
                    sentences=tuple(Span(a, b) for a, b in row["sentences"]),
                )
            )
    return passages


def _read_documents(path: Path) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            documents[row["id"]] = Document(
                id=row["id"],
                text=row["text"],
                title=row["title"],
                publisher=row["publisher"],
                authors=tuple(row["authors"]),
                published=row["published"],
                url=row["url"],
                language=row["language"],
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
        elif _sha256(path) != manifest.files.get(name):
            problems.append(f"{name} does not match its checksum in the manifest")
    if _combined(manifest.files) != manifest.checksum:
        problems.append("the manifest's checksum does not match its file checksums")
    if problems:
        raise IndexMismatchError(
            f"index {index_dir} refused: "
            + "; ".join(problems)
            + ". Build a new one with `factdesk index build --out NEW_DIR` and set "
            "FACTDESK_INDEX_DIR to it (or remove this directory to rebuild it in place)"
        )

    faiss_index: Any = faiss.read_index(str(index_dir / "index.faiss"))
    if manifest.index_type == "hnsw":
        faiss_index.hnsw.efSearch = manifest.index_parameters["ef_search"]
    elif manifest.index_type in ("ivf", "ivf_sq8"):
        faiss_index.nprobe = manifest.index_parameters["nprobe"]
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
    return LoadedIndex(
        manifest,
        faiss_index,
        passages,
        _read_documents(index_dir / "documents.jsonl"),
        sentence_vectors,
        {key: row for row, key in enumerate(keys)},
    )
