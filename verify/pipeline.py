"""Verify one claim: retrieve passages, judge their sentences, decide, cite exact spans."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from index.embedding import Embedder
from index.passages import Passage
from index.segment import Span
from index.store import LoadedIndex
from verify.labels import STANCES, Stance
from verify.stance_model import StanceModel, StancePair, stance_of
from verify.verdict import Decision, JudgedEvidence, Verdict, VerdictRule, decide


@dataclass(frozen=True)
class Citation:
    document_id: str
    title: str | None
    publisher: str | None
    url: str | None
    passage_id: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    stance: Stance
    stance_probabilities: dict[str, float]
    score: float  # retrieval similarity of the passage to the claim


@dataclass(frozen=True)
class Verification:
    claim: str
    verdict: Verdict
    confidence: float
    citations: tuple[Citation, ...]
    took_ms: float


@dataclass(frozen=True)
class VerifierConfig:
    default_top_k: int = 5
    max_top_k: int = 50
    rule: VerdictRule = field(default_factory=VerdictRule)


class Verifier:
    """Domain service; knows nothing of HTTP. Thread-compatible, not async."""

    def __init__(
        self,
        embedder: Embedder,
        index: LoadedIndex,
        stance_model: StanceModel,
        config: VerifierConfig,
    ) -> None:
        self._embedder = embedder
        self._index = index
        self._stance = stance_model
        self.config = config

    def verify(self, claim: str, top_k: int | None = None) -> Verification:
        started = time.perf_counter()
        k = top_k or self.config.default_top_k
        query = self._embedder.embed([claim])
        scores, positions = self._index.search(query, k)
        hits = [
            (self._index.passages[int(pos)], float(score))
            for score, pos in zip(scores[0], positions[0], strict=True)
            if pos >= 0
        ]
        # Overlapping windows share sentences: each sentence is judged once.
        unique: dict[tuple[str, int, int], int] = {}
        pairs: list[StancePair] = []
        for passage, _ in hits:
            text = self._index.documents[passage.document_id].text
            for span in passage.sentences:
                key = (passage.document_id, span.start, span.end)
                if key not in unique:
                    unique[key] = len(pairs)
                    pairs.append(StancePair(text[span.start : span.end], claim))
        probabilities = self._stance.predict(pairs)

        citations: list[Citation] = []
        evidence: list[JudgedEvidence] = []
        for passage, score in hits:
            span, row = self._best_sentence(passage, unique, probabilities)
            citations.append(self._citation(passage, span, row, score))
            evidence.append(
                JudgedEvidence(passage.document_id, float(row[0]), float(row[1]), score)
            )
        decision = decide(evidence, self.config.rule)
        return Verification(
            claim=claim,
            verdict=decision.verdict,
            confidence=round(decision.confidence, 4),
            citations=tuple(_ordered(citations, decision)),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    @staticmethod
    def _best_sentence(
        passage: Passage, unique: dict[tuple[str, int, int], int], probabilities: np.ndarray
    ) -> tuple[Span, np.ndarray]:
        """The passage's most decisive sentence: the one least likely to be neutral."""
        rows = [
            (s, probabilities[unique[(passage.document_id, s.start, s.end)]])
            for s in passage.sentences
        ]
        return min(rows, key=lambda item: float(item[1][2]))

    def _citation(self, passage: Passage, span: Span, row: np.ndarray, score: float) -> Citation:
        document = self._index.documents[passage.document_id]
        return Citation(
            document_id=document.id,
            title=document.title,
            publisher=document.publisher,
            url=document.url,
            passage_id=passage.id,
            text=document.text[span.start : span.end],
            start=span.start,
            end=span.end,
            stance=stance_of(row),
            stance_probabilities={
                s.value: round(float(p), 4) for s, p in zip(STANCES, row, strict=True)
            },
            score=round(score, 4),
        )


def _ordered(citations: list[Citation], decision: Decision) -> list[Citation]:
    """Evidence for the verdict first (strongest first), then the rest by retrieval score."""
    key = {
        Verdict.SUPPORTED: Stance.SUPPORTS,
        Verdict.REFUTED: Stance.REFUTES,
    }.get(decision.verdict)

    def weight(citation: Citation) -> tuple[float, float]:
        if key is not None:
            return (-citation.stance_probabilities[key.value], -citation.score)
        if decision.verdict is Verdict.CONFLICTING:
            decisive = max(
                citation.stance_probabilities["SUPPORTS"], citation.stance_probabilities["REFUTES"]
            )
            return (-decisive, -citation.score)
        return (-citation.score, 0.0)

    return sorted(citations, key=weight)
