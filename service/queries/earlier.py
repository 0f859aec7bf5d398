"""Earlier checks: the reviewed answers of the audit trail, found again by what they claim.

A reviewed query is a check: an editor's verdict on a claim. A new claim that says the same
thing (a paraphrase) should show that verdict beside the model's, so nobody checks the same
claim twice. Each reviewed claim is embedded once, with the service's embedder, and kept in
memory; every lookup first reads the reviews written since the last one (by any replica:
they share the database), so a review is found by the next lookup anywhere.

The similarity at which a check counts as the same claim (``same_claim_similarity``) was
measured on labelled claim pairs (``python -m bench.earlier_checks``), together with the
explicit checks that tell a negation or another number apart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from index.embedding import Embedder
from service.queries.repository import AuditRepository, as_utc
from verify.checks import fired_check
from verify.stance_model import StancePair


@dataclass(frozen=True)
class EarlierCheck:
    query_id: str
    claim: str  # as it was checked
    verdict: str  # the latest review's
    model_verdict: str  # the answer the review judged
    note: str | None
    reviewer: str
    reviewed_at: datetime
    language: str | None
    similarity: float  # cosine of the two claims' embeddings


@dataclass
class _Check:
    query_id: str
    claim: str
    verdict: str
    model_verdict: str
    note: str | None
    reviewer: str
    reviewed_at: datetime
    language: str | None


class EarlierChecks:
    """Thread-safe: lookups come from the routes' worker threads."""

    def __init__(
        self, repository: AuditRepository, embedder: Embedder, same_claim_similarity: float
    ) -> None:
        self._repository = repository
        self._embedder = embedder
        self.same_claim_similarity = same_claim_similarity
        self._lock = threading.Lock()
        self._seen = 0  # the chain sequence of the newest review read
        self._checks: list[_Check] = []
        self._position: dict[str, int] = {}  # query id -> row of _checks and _vectors
        self._vectors: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)

    def refresh(self) -> None:
        """Read the reviews written since the last refresh; embed the claims new to it."""
        with self._lock:
            reviewed = self._repository.reviewed_since(self._seen)
            if not reviewed:
                return
            fresh: list[_Check] = []
            for record, review in reviewed:
                check = _Check(
                    record.id, record.claim, review.verdict, record.verdict, review.note,
                    review.reviewer, as_utc(review.created_at), record.language,
                )  # fmt: skip
                self._seen = max(self._seen, review.sequence)
                position = self._position.get(record.id)
                if position is None:
                    self._position[record.id] = len(self._checks) + len(fresh)
                    fresh.append(check)
                elif position < len(self._checks):  # reviewed again: the latest review stands
                    self._checks[position] = check
                else:  # reviewed twice since the last refresh
                    fresh[position - len(self._checks)] = check
            if fresh:
                vectors = self._embedder.embed_queries([check.claim for check in fresh])
                stacked = vectors if not self._checks else np.vstack([self._vectors, vectors])
                self._vectors = np.ascontiguousarray(stacked, dtype=np.float32)
                self._checks.extend(fresh)

    def search(
        self,
        texts: Sequence[str],
        limit: int,
        min_similarity: float = -1.0,
        language: str | None = None,
        max_age_days: int | None = None,
    ) -> list[list[EarlierCheck]]:
        """For each text, the checks closest to it (best first, at most ``limit``), at
        ``min_similarity`` or above, optionally only in ``language`` or reviewed within
        ``max_age_days``."""
        self.refresh()
        if not texts:
            return []
        with self._lock:
            checks, vectors = list(self._checks), self._vectors
        if not checks:
            return [[] for _ in texts]
        cutoff = datetime.now(UTC) - timedelta(days=max_age_days) if max_age_days else None
        allowed = np.array(
            [
                (language is None or check.language == language)
                and (cutoff is None or check.reviewed_at >= cutoff)
                for check in checks
            ]
        )
        similarities = self._embedder.embed_queries(list(texts)) @ vectors.T
        found: list[list[EarlierCheck]] = []
        for row in similarities:
            order = [i for i in np.argsort(-row) if allowed[i] and row[i] >= min_similarity]
            found.append([_found(checks[i], float(row[i])) for i in order[:limit]])
        return found

    def same_claims(self, claims: Sequence[str], limit: int) -> list[list[EarlierCheck]]:
        """For each claim, the checks of the same claim: at the measured similarity or above
        and told apart by no explicit check (a number, a date, a negation): "rates rose"
        and "rates fell" embed as close as two wordings of one claim."""
        if limit == 0:
            return [[] for _ in claims]
        found = self.search(claims, limit * 3, self.same_claim_similarity)
        return [
            [check for check in checks if same_claim(claim, check.claim)][:limit]
            for claim, checks in zip(claims, found, strict=True)
        ]

    def is_same_claim(self, claim: str, check: EarlierCheck) -> bool:
        return check.similarity >= self.same_claim_similarity and same_claim(claim, check.claim)


def same_claim(claim: str, other: str) -> bool:
    """No explicit check contradicts either claim with the other."""
    return fired_check(StancePair(other, claim)) is None and (
        fired_check(StancePair(claim, other)) is None
    )


def _found(check: _Check, similarity: float) -> EarlierCheck:
    return EarlierCheck(
        check.query_id, check.claim, check.verdict, check.model_verdict, check.note,
        check.reviewer, check.reviewed_at, check.language, round(similarity, 4),
    )  # fmt: skip
