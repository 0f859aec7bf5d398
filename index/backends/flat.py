"""Exact search: every vector compared with the query. Best up to tens of thousands."""

from __future__ import annotations

from typing import Any

from index.backends.spec import BackendSpec
from index.embedding import Vectors


class FlatBackend:
    kinds: tuple[str, ...] = ("flat",)

    def build(self, kind: str, spec: BackendSpec, vectors: Vectors) -> tuple[Any, dict[str, int]]:
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index, {}

    def configure(self, index: Any, parameters: dict[str, int]) -> None:
        """An exact index has no query-time parameters."""


BACKEND = FlatBackend()
