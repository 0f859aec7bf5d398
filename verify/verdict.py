"""From judged evidence to one verdict with a confidence and a reason.

The rule, in order (thresholds in ``VerdictRule``, fitted for a stance model by
``factdesk eval claims --fit`` and shipped beside its weights as ``verdict.json``):
1. Only evidence whose retrieval score is at least ``min_relevance`` counts.
2. Only evidence about the claim counts for each side (``verify.topic``): support must name
   the claim's people and places and restate something of what it says happened; a
   refutation must restate the claim. A stance from any other sentence is the model's
   commonest error (an on-topic sentence about another fact of the story), so when nothing
   about the claim is left the answer is NOT_ENOUGH_INFO.
3. Only the evidence most relevant to the claim (within ``refute_margin`` of the highest
   relevance among the evidence about the claim) can refute it, unless an explicit check (a
   negation or antonym of the claim's own words, ``verify.polarity``) refuted it: that is
   decisive wherever it ranks. The
   stance model's typical false refutation is an on-topic sentence about another fact of the
   same story ("Chinese exports to Russia were up 47 percent" for "Russia's trade with China
   rose 60 percent"); a real refutation restates the claim's content, so it ranks at the top.
4. CONFLICTING when the strongest support and the strongest refutation both reach
   ``conflict_threshold`` and come from different documents; confidence = the weaker of
   the two.
5. Otherwise SUPPORTED or REFUTED when the stronger side reaches its threshold
   (``support_threshold`` / ``refute_threshold``); confidence = its probability. (The
   answer's confidence is then calibrated, and for a refutation by an explicit check it is
   that check's measured precision: ``Verifier._confidence``.)
6. Otherwise NOT_ENOUGH_INFO; confidence = 1 - the stronger side's probability.
Every decision names its reason and the evidence it rests on.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from factdesk.core.errors import InvalidInputError
from verify.topic import TopicMatch


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
    return VerdictRule.from_mapping(read_verdict_file(path), str(path))


def read_verdict_file(path: Path) -> dict[str, Any]:
    """Everything in a ``verdict.json``: the rule, how it was fitted, its calibration."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VerdictRuleError(f"{path}: cannot read the verdict thresholds ({exc})") from exc
    if not isinstance(values, dict):
        raise VerdictRuleError(f"{path}: expected a JSON object")
    return values


def _write_atomically(path: Path, payload: Mapping[str, Any]) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)


def write_verdict_rule(path: Path, rule: VerdictRule, fitted: Mapping[str, Any]) -> None:
    """Write ``rule`` with a record of how it was fitted, replacing the file atomically.

    A calibration (and the review threshold fitted with it) already there is dropped: it
    was fitted to the old rule's verdicts."""
    _write_atomically(path, {**asdict(rule), "fitted": dict(fitted)})


def write_verdict_calibration(
    path: Path,
    calibration: Mapping[str, Any],
    fitted: Mapping[str, Any],
    review: Mapping[str, Any],
) -> None:
    """Add (or replace) the calibration of the rule in ``path`` and the review threshold
    fitted on its calibrated confidences (``verify.review``), keeping the rule."""
    values = read_verdict_file(path)
    _write_atomically(
        path,
        {
            **values,
            "calibration": dict(calibration),
            "calibration_fitted": dict(fitted),
            "review": dict(review),
        },
    )


# A check whose refutation is decisive wherever its sentence ranks (rule 3).
DECISIVE_CHECK = "polarity"


@dataclass(frozen=True)
class JudgedEvidence:
    document_id: str
    supports: float
    refutes: float
    relevance: float  # retrieval score (cosine similarity)
    check: str | None = None  # the explicit check that set the refutation (verify.checks)
    topic: TopicMatch | None = None  # how much of the claim it restates; None: not measured

    @property
    def can_support(self) -> bool:
        return self.topic is None or self.topic.can_support

    @property
    def can_refute(self) -> bool:
        return self.topic is None or self.topic.can_refute


class Reason(enum.StrEnum):
    """Why a verdict is what it is; part of the API (``reason.code``)."""

    SUPPORTED_BY_EVIDENCE = "supported_by_evidence"
    REFUTED_BY_EVIDENCE = "refuted_by_evidence"
    REFUTED_BY_CHECK = "refuted_by_check"  # a negation, antonym, number or date conflict
    CONFLICTING_SOURCES = "conflicting_sources"
    NO_RELEVANT_EVIDENCE = "no_relevant_evidence"
    EVIDENCE_NOT_ABOUT_CLAIM = "evidence_not_about_claim"
    JUDGE_UNSURE = "judge_unsure"  # evidence about the claim, but no side reached its threshold
    LANGUAGE_NOT_SUPPORTED = "language_not_supported"  # the judge cannot read the claim


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    confidence: float
    reason: Reason
    decided_by: tuple[int, ...] = ()  # positions, in the evidence given, of what decided it


def _refuted(evidence: JudgedEvidence) -> Reason:
    return Reason.REFUTED_BY_CHECK if evidence.check else Reason.REFUTED_BY_EVIDENCE


def decide(evidence: Sequence[JudgedEvidence], rule: VerdictRule) -> Decision:
    credible = [i for i, e in enumerate(evidence) if e.relevance >= rule.min_relevance]
    if not credible:
        return Decision(Verdict.NOT_ENOUGH_INFO, 1.0, Reason.NO_RELEVANT_EVIDENCE)
    supporting = [i for i in credible if evidence[i].can_support]
    about = [i for i in credible if evidence[i].can_refute]
    top = max((evidence[i].relevance for i in about), default=0.0)
    refuting = [
        i
        for i in about
        if evidence[i].relevance >= top - rule.refute_margin or evidence[i].check == DECISIVE_CHECK
    ]
    if not supporting and not refuting:
        return Decision(Verdict.NOT_ENOUGH_INFO, 1.0, Reason.EVIDENCE_NOT_ABOUT_CLAIM)
    support = max(supporting, key=lambda i: evidence[i].supports, default=None)
    refute = max(refuting, key=lambda i: evidence[i].refutes, default=None)
    supports = evidence[support].supports if support is not None else 0.0
    refutes = evidence[refute].refutes if refute is not None else 0.0
    if (
        support is not None
        and refute is not None
        and supports >= rule.conflict_threshold
        and refutes >= rule.conflict_threshold
        and evidence[support].document_id != evidence[refute].document_id
    ):
        return Decision(
            Verdict.CONFLICTING,
            min(supports, refutes),
            Reason.CONFLICTING_SOURCES,
            (support, refute),
        )
    if support is not None and supports >= refutes:
        if supports >= rule.support_threshold:
            return Decision(Verdict.SUPPORTED, supports, Reason.SUPPORTED_BY_EVIDENCE, (support,))
    elif refute is not None and refutes >= rule.refute_threshold:
        return Decision(Verdict.REFUTED, refutes, _refuted(evidence[refute]), (refute,))
    return Decision(Verdict.NOT_ENOUGH_INFO, 1.0 - max(supports, refutes), Reason.JUDGE_UNSURE)
