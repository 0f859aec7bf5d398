"""Segments' vectors in Milvus: embedded once, by whichever process adds the documents, and
searched by every replica in one collection.

Three collections, named from one prefix (``FACTDESK_MILVUS_COLLECTION``):

    <prefix>_passages    one row per passage of a segment: "<segment>:<row>", the segment,
                         the row, the document id and the passage vector
    <prefix>_sentences   the same for the segment's sentence vectors (evidence ranking)
    <prefix>_segments    one row per complete segment, written after its vectors: a segment
                         without this row is a crashed write, never read, rewritten by the next

A segment's name is a digest of what it holds (index/versions.py), so the same documents
share one set of rows, and a row's id is its segment and position, so a rewrite overwrites
rather than duplicates. An index version is a filter over the collection (its segments, less
the documents it removed from them), never a copy: versions stay immutable and two replicas
on the same version search the same rows.

pymilvus is imported only here, and only when the setting names Milvus. The same client
drives milvus-lite (a file path: an embedded Milvus in this process; or `milvus-lite server`
on a port, which several processes share) and a Milvus cluster (its URI).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import UnavailableError
from index.embedding import Vectors
from index.store import IndexSpec
from index.versions import StoredSegment

log = logging.getLogger("factdesk")

# Rows per insert or query page: well under Milvus's message size limit at 768 dimensions.
_PAGE = 1024
_NAME_LENGTH = 128  # segment names are "seg-" + 24 hex digits, or a base index's
_ID_LENGTH = 1024  # a document id (the documents API allows up to 256 characters)
# Milvus requires a vector field in every collection: the segments table carries a token one.
_MARKER_DIMENSION = 2


class VectorStoreError(UnavailableError):
    slug = "vector-store-unavailable"
    title = "Vector store unavailable"


@dataclass(frozen=True)
class MilvusIndexSpec:
    """How the passage collection is indexed (from IndexSpec: flat is exact, otherwise HNSW,
    IVF_FLAT or IVF_SQ8 with the same parameters FAISS uses)."""

    index_type: str  # FLAT | HNSW | IVF_FLAT | IVF_SQ8
    build: Mapping[str, int]
    search: Mapping[str, int]


def milvus_index_spec(spec: IndexSpec) -> MilvusIndexSpec:
    """The Milvus index for an index spec. "auto" is HNSW: a shared collection grows past
    what a flat scan serves, and HNSW searched at least as wide as it is asked for is exact
    on small corpora."""
    if spec.index_type == "flat":
        return MilvusIndexSpec("FLAT", {}, {})
    if spec.index_type in ("ivf", "ivf_sq8"):
        # Milvus needs nlist up front; FAISS's "0: 4 * sqrt(n)" has no n here.
        nlist = spec.ivf_nlist or 1024
        kind = "IVF_FLAT" if spec.index_type == "ivf" else "IVF_SQ8"
        return MilvusIndexSpec(kind, {"nlist": nlist}, {"nprobe": spec.ivf_nprobe})
    return MilvusIndexSpec(
        "HNSW",
        {"M": spec.hnsw_m, "efConstruction": spec.hnsw_ef_construction},
        {"ef": spec.hnsw_ef_search},
    )


def _client(uri: str, token: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise VectorStoreError(
            "FACTDESK_VECTOR_STORE=milvus needs pymilvus and milvus-lite: "
            "pip install 'factdesk[milvus]'"
        ) from exc
    try:
        return MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
    except Exception as exc:  # pymilvus raises its own errors, and grpc's, on connection
        raise VectorStoreError(f"cannot reach Milvus at {uri}: {exc}") from exc


def _quoted(values: Sequence[str]) -> str:
    """A Milvus expression list of strings (JSON's escaping is Milvus's)."""
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


class MilvusVectors:
    """The segments' vectors in one Milvus database, for one embedder's dimension."""

    def __init__(
        self, uri: str, collection: str, dimension: int, index: MilvusIndexSpec, token: str = ""
    ) -> None:
        self.uri = uri
        self._client = _client(uri, token)
        self._dimension = dimension
        self._index = index
        self.passages = f"{collection}_passages"
        self.sentences = f"{collection}_sentences"
        self.segments = f"{collection}_segments"
        self._ensure(self.passages, dimension, index)
        self._ensure(self.sentences, dimension, MilvusIndexSpec("FLAT", {}, {}))
        self._ensure(self.segments, _MARKER_DIMENSION, MilvusIndexSpec("FLAT", {}, {}))

    def _ensure(self, name: str, dimension: int, index: MilvusIndexSpec) -> None:
        """Create ``name`` if absent; refuse one made for another dimension."""
        from pymilvus import DataType

        client = self._client
        if client.has_collection(name):
            fields = client.describe_collection(name)["fields"]
            found = next((f for f in fields if f["name"] == "vector"), None)
            have = (found or {}).get("params", {}).get("dim")
            if have is None or int(have) != dimension:
                raise VectorStoreError(
                    f"Milvus collection {name} at {self.uri} holds vectors of dimension "
                    f"{have}, the embedder gives {dimension}: set FACTDESK_MILVUS_COLLECTION "
                    "to another name for this embedder"
                )
            client.load_collection(name)
            return
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=2 * _NAME_LENGTH)
        schema.add_field("segment", DataType.VARCHAR, max_length=_NAME_LENGTH)
        schema.add_field("row", DataType.INT64)
        schema.add_field("document_id", DataType.VARCHAR, max_length=_ID_LENGTH)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        params = client.prepare_index_params()
        params.add_index(
            "vector", index_type=index.index_type, metric_type="IP", params=dict(index.build)
        )
        params.add_index("segment", index_type="INVERTED")
        # Strong: a segment one replica has just written is seen by the next read of another.
        client.create_collection(
            name, schema=schema, index_params=params, consistency_level="Strong"
        )
        log.info("Milvus collection %s created at %s (%s)", name, self.uri, index.index_type)

    # --- writing and reading whole segments

    def has(self, segment: str) -> bool:
        """Whether ``segment`` was written completely."""
        found = self._client.query(
            self.segments, filter=f"id == {json.dumps(segment)}", output_fields=["row"]
        )
        return bool(found)

    def put(
        self,
        segment: str,
        passage_documents: Sequence[str],
        passage_vectors: Vectors,
        sentence_documents: Sequence[str],
        sentence_vectors: npt.NDArray[np.floating[Any]],
    ) -> None:
        """Write a segment's vectors, then mark it complete (an interrupted write is redone
        over the same row ids by the next process that needs it)."""
        self._insert(self.passages, segment, passage_documents, passage_vectors)
        self._insert(self.sentences, segment, sentence_documents, sentence_vectors)
        # Sealed, the rows are searched through the vector index; still growing, they are
        # scanned one by one (milvus-lite: 20x slower at 20,000 passages).
        self._client.flush(self.passages)
        self._client.upsert(
            self.segments,
            [
                {
                    "id": segment,
                    "segment": segment,
                    "row": len(passage_documents),
                    "document_id": str(len(sentence_documents)),
                    "vector": [0.0] * _MARKER_DIMENSION,
                }
            ],
        )
        log.info(
            "segment %s written to Milvus: %d passage and %d sentence vectors",
            segment,
            len(passage_documents),
            len(sentence_documents),
        )

    def _insert(
        self,
        collection: str,
        segment: str,
        documents: Sequence[str],
        vectors: npt.NDArray[np.floating[Any]],
    ) -> None:
        if len(documents) != len(vectors):
            raise ValueError(f"{len(documents)} document ids for {len(vectors)} vectors")
        rows = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(documents), _PAGE):
            self._client.upsert(
                collection,
                [
                    {
                        "id": f"{segment}:{row}",
                        "segment": segment,
                        "row": row,
                        "document_id": documents[row],
                        "vector": rows[row].tolist(),
                    }
                    for row in range(start, min(start + _PAGE, len(documents)))
                ],
            )

    def get(self, segment: str) -> StoredSegment:
        """The vectors of a complete segment, in row order."""
        marker = self._client.query(
            self.segments,
            filter=f"id == {json.dumps(segment)}",
            output_fields=["row", "document_id"],
        )
        if not marker:
            raise VectorStoreError(f"segment {segment} is not in Milvus at {self.uri}")
        passages = int(marker[0]["row"])
        sentences = int(marker[0]["document_id"])
        passage_documents, passage_vectors = self._read(self.passages, segment, passages)
        sentence_documents, sentence_vectors = self._read(self.sentences, segment, sentences)
        return StoredSegment(
            passage_vectors,
            passage_documents,
            sentence_vectors.astype(np.float16),
            sentence_documents,
        )

    def _read(self, collection: str, segment: str, count: int) -> tuple[list[str], Vectors]:
        documents: list[str] = [""] * count
        vectors = np.zeros((count, self._dimension), dtype=np.float32)
        seen = 0
        for row in self._rows(collection, segment, count):
            position = int(row["row"])
            if not 0 <= position < count:
                raise VectorStoreError(f"segment {segment}: row {position} of {count} in Milvus")
            documents[position] = str(row["document_id"])
            vectors[position] = row["vector"]
            seen += 1
        if seen != count:
            raise VectorStoreError(
                f"segment {segment}: Milvus holds {seen} of its {count} rows in {collection}"
            )
        return documents, vectors

    def _rows(self, collection: str, segment: str, count: int) -> Iterator[dict[str, Any]]:
        """The segment's rows, a page of row numbers at a time (a query's result is capped,
        and milvus-lite has no query iterator)."""
        for start in range(0, count, _PAGE):
            yield from self._client.query(
                collection,
                filter=f"segment == {json.dumps(segment)} and row >= {start} "
                f"and row < {start + _PAGE}",
                output_fields=["row", "document_id", "vector"],
                limit=_PAGE,
            )

    # --- searching a version

    def search_part(
        self, segments: Mapping[str, npt.NDArray[np.int64]], removed: Mapping[str, Sequence[str]]
    ) -> MilvusSearch:
        """The search of one version: ``segments`` maps each segment's name to its rows'
        positions in the version's passages (-1: a removed document's row); ``removed``
        names the documents the version leaves out of each segment."""
        clauses = []
        whole = [name for name in segments if not removed.get(name)]
        if whole:
            clauses.append(f"segment in {_quoted(whole)}")
        for name in segments:
            if removed.get(name):
                clauses.append(
                    f"(segment == {json.dumps(name)} and "
                    f"document_id not in {_quoted(sorted(removed[name]))})"
                )
        searchable = sum(int((positions >= 0).sum()) for positions in segments.values())
        return MilvusSearch(self, " or ".join(clauses), dict(segments), searchable)

    def query(self, query: Vectors, k: int, expression: str) -> list[list[tuple[float, str, int]]]:
        """(score, segment, row) of the top ``k`` rows matching ``expression``, per query."""
        search = dict(self._index.search)
        if "ef" in search:
            search["ef"] = max(search["ef"], k)  # HNSW returns at most ef rows
        found = self._client.search(
            self.passages,
            data=np.asarray(query, dtype=np.float32).tolist(),
            limit=k,
            filter=expression,
            output_fields=["segment", "row"],
            search_params={"metric_type": "IP", "params": search},
        )
        return [[_hit(hit) for hit in hits] for hits in found]

    def close(self) -> None:
        self._client.close()


def _hit(hit: Mapping[str, Any]) -> tuple[float, str, int]:
    entity = hit["entity"]
    return float(hit["distance"]), str(entity["segment"]), int(entity["row"])


@dataclass(frozen=True)
class MilvusSearch:
    """One version's passages searched in Milvus (index.store.PassageSearch)."""

    store: MilvusVectors
    expression: str  # the version: its segments, less its removed documents
    positions: Mapping[str, npt.NDArray[np.int64]]  # segment -> row -> passage position
    searchable: int

    def search(self, query: Vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(query), k), -np.inf, dtype=np.float32)
        positions = np.full((len(query), k), -1, dtype=np.int64)
        if not self.expression or not self.searchable:
            return scores, positions
        for q, hits in enumerate(self.store.query(query, k, self.expression)):
            for column, (score, segment, row) in enumerate(hits[:k]):
                rows = self.positions.get(segment)
                if rows is None or not 0 <= row < len(rows) or rows[row] < 0:
                    continue  # not this version's (the filter should not let it through)
                scores[q, column] = score
                positions[q, column] = rows[row]
        return scores, positions
