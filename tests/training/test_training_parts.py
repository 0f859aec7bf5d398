import math

import pytest
import torch

from training.data import LabelledPair
from training.train import allowed_mask, batch_order, marginal_nll
from verify.labels import Stance


def test_marginal_loss_is_cross_entropy_for_one_label_and_sums_mass_for_two() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.2]]))  # entailment, neutral, contradiction
    one = allowed_mask([LabelledPair("p", "h", frozenset({Stance.NEUTRAL}), "t")])
    two = allowed_mask([LabelledPair("p", "h", frozenset({Stance.NEUTRAL, Stance.REFUTES}), "t")])
    assert marginal_nll(logits, one).item() == pytest.approx(-math.log(0.3), rel=1e-5)
    assert marginal_nll(logits, two).item() == pytest.approx(-math.log(0.5), rel=1e-5)


def test_batch_order_covers_every_row_once_in_similar_length_batches() -> None:
    lengths = [i % 97 for i in range(1000)]
    batches = batch_order(lengths, batch_size=16, bucket_batches=20, seed=3)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    assert batches == batch_order(lengths, batch_size=16, bucket_batches=20, seed=3)
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches)
    assert spread / len(batches) < 20  # unsorted batches would spread over ~90
