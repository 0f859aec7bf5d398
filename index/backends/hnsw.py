"""HNSW graph search: sub-linear queries at the cost of memory for the graph."""

from __future__ import annotations

from typing import Any

from index.backends.spec import BackendSpec
from index.embedding import Vectors


class HnswBackend:
    kinds: tuple[str, ...] = ("hnsw",)

    def build(self, kind: str, spec: BackendSpec, vectors: Vectors) -> tuple[Any, dict[str, int]]:
        import faiss

        index = faiss.IndexHNSWFlat(vectors.shape[1], spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.hnsw_ef_construction
        index.hnsw.efSearch = spec.hnsw_ef_search
        index.add(vectors)
        return index, {
            "m": spec.hnsw_m,
            "ef_construction": spec.hnsw_ef_construction,
            "ef_search": spec.hnsw_ef_search,
        }

    def configure(self, index: Any, parameters: dict[str, int]) -> None:
        index.hnsw.efSearch = parameters["ef_search"]


BACKEND = HnswBackend()
