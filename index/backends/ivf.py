"""Inverted-file search over k-means lists, with float vectors or 8-bit codes (ivf_sq8)."""

from __future__ import annotations

from typing import Any

import numpy as np

from index.backends.spec import BackendSpec
from index.embedding import Vectors

_VECTORS_PER_LIST = 50  # k-means on every vector costs minutes at a million; ~50 a list do


def training_sample(vectors: Vectors, size: int) -> Vectors:
    """A fixed-seed sample of ``size`` rows (all of them when there are fewer)."""
    if len(vectors) <= size:
        return vectors
    rows = np.random.default_rng(0).choice(len(vectors), size=size, replace=False)
    sample: Vectors = vectors[np.sort(rows)]
    return sample


class IvfBackend:
    kinds: tuple[str, ...] = ("ivf", "ivf_sq8")

    def build(self, kind: str, spec: BackendSpec, vectors: Vectors) -> tuple[Any, dict[str, int]]:
        import faiss

        count, dimension = vectors.shape
        nlist = spec.ivf_nlist or max(1, int(4 * np.sqrt(count)))
        quantizer = faiss.IndexFlatIP(dimension)
        index: Any
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            # One byte per dimension: a quarter of the float vectors' memory, which is what
            # lets a million passages fit in a few hundred bytes each.
            index = faiss.IndexIVFScalarQuantizer(
                quantizer,
                dimension,
                nlist,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
        index.train(training_sample(vectors, _VECTORS_PER_LIST * nlist))
        index.add(vectors)
        index.nprobe = spec.ivf_nprobe
        return index, {"nlist": nlist, "nprobe": spec.ivf_nprobe}

    def configure(self, index: Any, parameters: dict[str, int]) -> None:
        index.nprobe = parameters["nprobe"]


BACKEND = IvfBackend()
