"""When an answer needs an editor: the policy and how a verdict.json states it."""

from __future__ import annotations

import pytest

from verify.review import UNFITTED, ReviewPolicy, ReviewPolicyError, ReviewReason
from verify.verdict import Verdict


def test_abstentions_and_conflicts_always_need_an_editor() -> None:
    policy = ReviewPolicy(0.0)
    assert policy.reason(Verdict.NOT_ENOUGH_INFO, 1.0) is ReviewReason.ABSTENTION
    assert policy.reason(Verdict.CONFLICTING, 1.0) is ReviewReason.CONFLICT


def test_a_decided_answer_needs_an_editor_below_the_threshold() -> None:
    policy = ReviewPolicy(0.8)
    assert policy.reason(Verdict.SUPPORTED, 0.8) is None
    assert policy.reason(Verdict.REFUTED, 0.95) is None
    assert policy.reason(Verdict.SUPPORTED, 0.79) is ReviewReason.LOW_CONFIDENCE
    assert UNFITTED.reason(Verdict.SUPPORTED, 1.0) is ReviewReason.LOW_CONFIDENCE


def test_the_verdict_file_states_a_threshold_or_null() -> None:
    assert ReviewPolicy.from_mapping({"min_confidence": 0.7, "fitted": {}}, "f") == ReviewPolicy(
        0.7
    )
    assert ReviewPolicy.from_mapping({"min_confidence": None}, "f") == UNFITTED
    bad_values: list[object] = [
        {}, [], {"min_confidence": "0.7"}, {"min_confidence": True}, {"min_confidence": 2}
    ]  # fmt: skip
    for bad in bad_values:
        with pytest.raises(ReviewPolicyError, match="f: review"):
            ReviewPolicy.from_mapping(bad, "f")
