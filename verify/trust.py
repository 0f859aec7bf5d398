"""How much each publisher's evidence counts: the newsroom's trust weights.

A weight is between 0 and 1 (1, the default, for every publisher not named). Evidence from a
publisher weighted 0 is never retrieved, so it is never cited, let alone decisive; evidence
from one weighted between counts for that share: its SUPPORTS and REFUTES probabilities are
scaled by the weight before the verdict rule reads them (the rest goes to NEUTRAL), so a
half-trusted source alone can rarely reach a threshold, and a trusted one saying the same
decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field


def publisher_key(publisher: str) -> str:
    """Publishers are matched by name, ignoring case and spacing."""
    return " ".join(publisher.split()).casefold()


@dataclass(frozen=True)
class PublisherTrust:
    weights: Mapping[str, float] = field(default_factory=dict)  # publisher_key -> weight

    def weight(self, publisher: str | None) -> float:
        if not publisher:
            return 1.0
        return self.weights.get(publisher_key(publisher), 1.0)

    @property
    def excluded(self) -> frozenset[str]:
        """The publishers (keys) weighted 0."""
        return frozenset(name for name, weight in self.weights.items() if weight == 0.0)

    @property
    def key(self) -> str:
        """Names these weights in an answer cache key: the same weights, the same key."""
        if not self.weights:
            return ""
        named = ";".join(f"{k}={v:g}" for k, v in sorted(self.weights.items()) if v != 1.0)
        return hashlib.sha256(named.encode()).hexdigest()[:16] if named else ""


FULL_TRUST = PublisherTrust()
