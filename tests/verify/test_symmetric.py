import numpy as np
import pytest

from tests.fakes import FakeStanceModel
from verify.labels import Stance
from verify.stance_model import StancePair
from verify.symmetric import combine_directions, reversed_pairs


def test_refutes_is_the_mean_of_both_directions_and_rows_stay_distributions() -> None:
    forward = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]], dtype=np.float32)
    reverse = np.array([[0.2, 0.0, 0.8], [0.1, 0.6, 0.3]], dtype=np.float32)
    combined = combine_directions(forward, reverse)
    # Row 0: REFUTES (0.8 + 0.0) / 2 = 0.4 beside forward 0.1 / 0.1, renormalised by 0.6.
    np.testing.assert_allclose(combined[0], [0.1 / 0.6, 0.4 / 0.6, 0.1 / 0.6], rtol=1e-6)
    np.testing.assert_allclose(combined[1], [0.7 / 1.2, 0.4 / 1.2, 0.1 / 1.2], rtol=1e-6)
    np.testing.assert_allclose(combined.sum(axis=1), 1.0, rtol=1e-6)
    assert combined.dtype == np.float32


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="differ"):
        combine_directions(np.zeros((2, 3), np.float32), np.zeros((1, 3), np.float32))


def test_a_one_way_contradiction_is_weakened_and_the_rest_kept() -> None:
    # The fake contradicts only when the sentence is the premise: a one-directional call.
    fake = FakeStanceModel({"evidence:Moscow in 2023": Stance.REFUTES})
    pairs = [
        StancePair("Xi visited Moscow in 2023.", "Putin visited Beijing in 2024."),
        StancePair("Leaders met.", "Leaders met."),
    ]
    forward = fake.predict(pairs)
    combined = combine_directions(forward, fake.predict(reversed_pairs(pairs)))
    assert combined[0, 1] == pytest.approx((0.9 + 0.05) / 2 / (0.05 + 0.475 + 0.05))
    np.testing.assert_allclose(combined[1], forward[1] / forward[1].sum(), rtol=1e-6)


def test_reversed_pairs_swap_premise_and_hypothesis() -> None:
    assert reversed_pairs([StancePair("e", "c")]) == [StancePair("c", "e")]
