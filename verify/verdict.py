"""From judged evidence to one verdict with a confidence.

The rule, in order (thresholds in ``VerdictRule``, fitted by ``factdesk eval claims --fit``):
1. Only evidence whose retrieval score is at least ``min_relevance`` counts.
2. Only the evidence most relevant to the claim (within ``refute_margin`` of the highest
   relevance) can refute it. The stance model's typical false refutation is an on-topic
   sentence about another fact of the same story ("Chinese exports to Russia were up 47
   percent" for "Russia's trade with China rose 60 percent"); a real refutation restates the
   claim's content, so it ranks at the top. Support may come from any credible evidence.
3. CONFLICTING when the strongest support and the strongest refutation both reach
   ``conflict_threshold`` and come from different documents; confidence = the weaker of
   the two.
4. Otherwise SUPPORTED or REFUTED when the stronger side reaches its threshold
   (``support_threshold`` / ``refute_threshold``); confidence = its probability.
5. Otherwise NOT_ENOUGH_INFO; confidence = 1 - the stronger side's probability.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Verdict(enum.StrEnum):
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"
    CONFLICTING = "CONFLICTING"


VERDICTS: tuple[Verdict, ...] = tuple(Verdict)


@dataclass(frozen=True)
class VerdictRule:
    support_threshold: float = 0.5
    refute_threshold: float = 0.5
    conflict_threshold: float = 0.8
    min_relevance: float = 0.25
    refute_margin: float = 1.0  # 1.0 or more: any credible evidence can refute


@dataclass(frozen=True)
class JudgedEvidence:
    document_id: str
    supports: float
    refutes: float
    relevance: float  # retrieval score (cosine similarity)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    confidence: float


def decide(evidence: Sequence[JudgedEvidence], rule: VerdictRule) -> Decision:
    credible = [e for e in evidence if e.relevance >= rule.min_relevance]
    if not credible:
        return Decision(Verdict.NOT_ENOUGH_INFO, 1.0)
    support = max(credible, key=lambda e: e.supports)
    top = max(e.relevance for e in credible)
    refute = max(
        (e for e in credible if e.relevance >= top - rule.refute_margin), key=lambda e: e.refutes
    )
    if (
        support.supports >= rule.conflict_threshold
        and refute.refutes >= rule.conflict_threshold
        and support.document_id != refute.document_id
    ):
        return Decision(Verdict.CONFLICTING, min(support.supports, refute.refutes))
    if support.supports >= refute.refutes:
        if support.supports >= rule.support_threshold:
            return Decision(Verdict.SUPPORTED, support.supports)
    elif refute.refutes >= rule.refute_threshold:
        return Decision(Verdict.REFUTED, refute.refutes)
    return Decision(Verdict.NOT_ENOUGH_INFO, 1.0 - max(support.supports, refute.refutes))
