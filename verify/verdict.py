"""From judged evidence to one verdict with a confidence.

The rule, in order (thresholds in ``VerdictRule``, fitted for a stance model by
``factdesk eval claims --fit`` and shipped beside its weights as ``verdict.json``):
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
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from factdesk.core.errors import InvalidInputError


class Verdict(enum.StrEnum):
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"
    CONFLICTING = "CONFLICTING"


VERDICTS: tuple[Verdict, ...] = tuple(Verdict)


VERDICT_FILE = "verdict.json"  # beside a stance model's weights: the rule fitted for it


class VerdictRuleError(InvalidInputError):
    pass


@dataclass(frozen=True)
class VerdictRule:
    support_threshold: float
    refute_threshold: float
    conflict_threshold: float
    min_relevance: float
    refute_margin: float  # 1.0 or more: any credible evidence can refute

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], origin: str) -> VerdictRule:
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if not isinstance(values.get(name), (int, float))]
        if missing:
            raise VerdictRuleError(f"{origin}: no number for {', '.join(missing)}")
        return cls(**{name: float(values[name]) for name in names})


def read_verdict_rule(path: Path) -> VerdictRule:
    """The rule of a ``verdict.json`` (other keys there describe how it was fitted)."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VerdictRuleError(f"{path}: cannot read the verdict thresholds ({exc})") from exc
    if not isinstance(values, dict):
        raise VerdictRuleError(f"{path}: expected a JSON object")
    return VerdictRule.from_mapping(values, str(path))


def write_verdict_rule(path: Path, rule: VerdictRule, fitted: Mapping[str, Any]) -> None:
    """Write ``rule`` with a record of how it was fitted, replacing the file atomically."""
    staging = path.with_name(f".{path.name}.tmp")
    payload = {**asdict(rule), "fitted": dict(fitted)}
    staging.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)


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
