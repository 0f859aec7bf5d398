"""Answers to repeated claims, kept in memory for the life of the process.

A verification depends only on the claim, top_k, its cut-off date, the publisher weights,
the index and the models; all but the first four are fixed for a process (the index is
immutable, models load once), so a cached answer can never be stale. Every request is still
audited on its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Generic, TypeVar

V = TypeVar("V")


# The claim's words, top_k, the evidence cut-off (or ""), the publisher weights' key (or "").
ClaimKey = tuple[str, int, str, str]


def claim_key(claim: str, top_k: int, as_of: date | None = None, trust: str = "") -> ClaimKey:
    """Claims that differ only in spacing are the same claim; another cut-off (``as_of``)
    or other publisher weights (``trust``, verify.trust) make another question."""
    return " ".join(claim.split()), top_k, as_of.isoformat() if as_of else "", trust


class AnswerCache(Generic[V]):
    """A thread-safe LRU map; size 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[ClaimKey, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: ClaimKey) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: ClaimKey, value: V) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
