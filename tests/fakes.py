"""Fakes behind the Protocols: fast, deterministic, no model weights."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.embedding import Vectors, normalise

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    [
        "the",
        "and",
        "was",
        "were",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "has",
        "have",
        "its",
        "his",
        "her",
        "of",
    ]
)


class HashingEmbedder:
    """Set of content words hashed into a fixed number of dimensions: keyword matching."""

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def name(self) -> str:
        return "fake-hashing"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in set(_WORD.findall(text.lower())) - _STOP:
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dimension
                out[row, bucket] = 1.0
        out[:, 0] += 1e-3  # no zero vectors
        return normalise(out)
