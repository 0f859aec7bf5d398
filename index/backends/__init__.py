"""Vector search backends: one small interface, one module per FAISS index family.

A backend builds a FAISS index over L2-normalised vectors (inner product = cosine) and
re-applies its query-time parameters when an index is read back. The parameters it returns
are recorded in the index manifest, so a loaded index searches exactly as it was built.
"""

from __future__ import annotations

from typing import Any, Protocol

from index.backends import flat, hnsw, ivf
from index.backends.spec import BackendSpec
from index.embedding import Vectors

__all__ = ["BACKENDS", "BackendSpec", "VectorBackend", "backend_named", "build_vector_index"]


class VectorBackend(Protocol):
    kinds: tuple[str, ...]  # the index types it builds (``IndexSpec.index_type`` values)

    def build(self, kind: str, spec: BackendSpec, vectors: Vectors) -> tuple[Any, dict[str, int]]:
        """A filled FAISS index and the parameters the manifest records."""
        ...

    def configure(self, index: Any, parameters: dict[str, int]) -> None:
        """Re-apply the recorded query-time parameters to an index read from disk."""
        ...


BACKENDS: tuple[VectorBackend, ...] = (flat.BACKEND, hnsw.BACKEND, ivf.BACKEND)
INDEX_TYPES = ("auto", *(kind for backend in BACKENDS for kind in backend.kinds))


def backend_named(kind: str) -> VectorBackend:
    for backend in BACKENDS:
        if kind in backend.kinds:
            return backend
    raise ValueError(f"unknown index type {kind!r} ({', '.join(INDEX_TYPES)})")


def build_vector_index(spec: BackendSpec, vectors: Vectors) -> tuple[Any, str, dict[str, int]]:
    """The index ``spec`` asks for ("auto": flat up to ``flat_max_passages``, else HNSW)."""
    kind = spec.index_type
    if kind == "auto":
        kind = "flat" if len(vectors) <= spec.flat_max_passages else "hnsw"
    index, parameters = backend_named(kind).build(kind, spec, vectors)
    return index, kind, parameters
