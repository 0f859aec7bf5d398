import numpy as np
import pytest

from verify.checks import POLARITY_PRECISION, apply_checks, conflicts
from verify.stance_model import StancePair


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Trade fell to 140 billion dollars.", "Trade reached a record 240 billion dollars."),
        ("Trade rose 26 percent.", "Trade rose 60% on the prewar level."),
        ("The summit took place in March 2024.", "The summit took place on 16 May 2024."),
        ("The visit was in 2023.", "The visit took place in 2024."),
        ("Sales hit $3.5 billion.", "Sales hit $4.1 billion."),
        ("Trade reached 140 billion US dollars.", "Trade reached USD 240 billion last year."),
        ("The deal is worth 5 million euros.", "The deal is worth EUR 7 million."),
    ],
)
def test_detects_number_and_date_conflicts(claim: str, evidence: str) -> None:
    assert conflicts(claim, evidence)


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Trade rose 60 percent.", "Trade reached $240 billion, a 60 percent increase."),
        ("Trade was $240 billion.", "Trade reached $240bn last year."),
        # The same amount of money, written three ways.
        ("Trade reached 240 billion US dollars.", "Trade reached USD 240 billion last year."),
        ("Trade reached USD 240 billion.", "Trade reached a record $240 billion."),
        ("Trade was 1,200 tonnes.", "Trade was 1200 tonnes."),
        ("Russia may sell more gas.", "In March, Russia sold gas."),  # modal "may", not May
        ("The visit was in 2024.", "Trade rose 26 percent."),  # nothing of the same kind
        ("Putin met Xi.", "The visit took place on 16 May 2024."),
        # another visit: the evidence restates too little of the claim to date it
        (
            "Putin and Xi discussed topic 7 during the May 2024 visit.",
            "Putin recalled Xi's 2023 visit to Moscow.",
        ),
    ],
)
def test_no_conflict_without_a_differing_value_of_the_same_kind(claim: str, evidence: str) -> None:
    assert conflicts(claim, evidence) == []


def test_number_checks_only_move_supports_to_refutes() -> None:
    pairs = [
        StancePair("Trade reached 240 billion dollars.", "Trade reached 140 billion dollars."),
        StancePair("Trade reached 240 billion dollars.", "Trade reached 240 billion dollars."),
    ]
    probabilities = np.array([[0.7, 0.1, 0.2], [0.7, 0.1, 0.2]], dtype=np.float32)
    adjusted = apply_checks(pairs, probabilities)
    assert adjusted[0].tolist() == pytest.approx([0.0, 0.8, 0.2])
    assert adjusted[1].tolist() == pytest.approx([0.7, 0.1, 0.2])
    assert probabilities[0, 0] == pytest.approx(0.7)  # input untouched


def test_polarity_conflict_raises_refutes_to_the_checks_precision() -> None:
    pairs = [
        StancePair(
            "Russia and China oppose the expansion of NATO.",
            "China supports the expansion of NATO.",
        ),
        StancePair(
            "Russia and China oppose the expansion of NATO.", "China opposes NATO's expansion."
        ),
        StancePair("The minister did not attend the summit.", "The minister attended the summit."),
    ]
    probabilities = np.array([[0.45, 0.45, 0.1], [0.6, 0.1, 0.3], [0.02, 0.95, 0.03]], np.float32)
    adjusted = apply_checks(pairs, probabilities)
    # REFUTES at least POLARITY_PRECISION; the rest shared in the model's proportions.
    assert adjusted[0].tolist() == pytest.approx([0.2 * 0.45 / 0.55, 0.8, 0.2 * 0.1 / 0.55])
    assert adjusted[1].tolist() == pytest.approx([0.6, 0.1, 0.3])  # same polarity
    assert adjusted[2].tolist() == pytest.approx([0.02, 0.95, 0.03])  # already surer
    assert POLARITY_PRECISION == 0.8
