import json
import math
from pathlib import Path

import pytest
import torch

from training.data import LabelledPair
from training.neutrals import UNLABELLED
from training.train import allowed_mask, batch_order, marginal_nll
from verify.labels import Stance


def test_marginal_loss_is_cross_entropy_for_one_label_and_sums_mass_for_two() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.2]]))  # entailment, neutral, contradiction
    one = allowed_mask([LabelledPair("p", "h", frozenset({Stance.NEUTRAL}), "t")])
    two = allowed_mask([LabelledPair("p", "h", frozenset({Stance.NEUTRAL, Stance.REFUTES}), "t")])
    assert marginal_nll(logits, one).item() == pytest.approx(-math.log(0.3), rel=1e-5)
    assert marginal_nll(logits, two).item() == pytest.approx(-math.log(0.5), rel=1e-5)
    # An unlabelled pair allows every stance: no gold loss, and no gradient from it.
    free = logits.clone().requires_grad_(True)
    loss = marginal_nll(free, allowed_mask([LabelledPair("p", "h", UNLABELLED, "pool:t")]))
    loss.backward()  # type: ignore[no-untyped-call]
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    assert free.grad is not None
    assert torch.allclose(free.grad, torch.zeros_like(free.grad), atol=1e-6)


def test_batch_order_covers_every_row_once_in_similar_length_batches() -> None:
    lengths = [i % 97 for i in range(1000)]
    batches = batch_order(lengths, batch_size=16, bucket_batches=20, seed=3)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    assert batches == batch_order(lengths, batch_size=16, bucket_batches=20, seed=3)
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches)
    assert spread / len(batches) < 20  # unsorted batches would spread over ~90


def test_distillation_kl_is_zero_for_the_teachers_own_distribution_and_pulls_toward_it() -> None:
    from training.train import distillation_kl

    teacher = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]])
    assert distillation_kl(teacher.clone(), teacher, 2.0).item() == pytest.approx(0.0, abs=1e-6)
    student = torch.zeros(2, 3, requires_grad=True)
    loss = distillation_kl(student, teacher, 2.0)
    assert loss.item() > 0
    loss.backward()  # type: ignore[no-untyped-call]
    assert student.grad is not None
    # Descending the gradient raises the logit the teacher favours in the first row.
    assert student.grad[0, 0] < 0 < student.grad[0, 2]


def test_a_teacher_without_a_weight_or_a_weight_without_a_teacher_is_refused(
    tmp_path: Path,
) -> None:
    from training.recipe import HyperParameters
    from training.train import train

    for teacher, weight in ((tmp_path, 0.0), (None, 0.5)):
        with pytest.raises(ValueError, match="distill_weight"):
            train(
                out_dir=tmp_path / "out",
                training_root=tmp_path,
                benchmarks_root=tmp_path,
                backbone="unused",
                hp=HyperParameters(distill_weight=weight),
                threads=1,
                teacher=teacher,
            )


def test_a_continued_run_records_the_model_it_named_and_that_models_own_record(
    tmp_path: Path,
) -> None:
    from training.train import _init_record

    # A shipped model is continued from the folder it was assembled into: the record names
    # the reference the command gave and carries the earlier run's training record.
    assembled = tmp_path / "assembled"
    assembled.mkdir()
    (assembled / "model.safetensors").write_bytes(b"weights")
    earlier = {"recipe": "multilingual", "data_mix": {"ocnli_train": {"used": 3}}}
    (assembled / "training.json").write_text(json.dumps(earlier), encoding="utf-8")
    record = _init_record(assembled, "pkg:factdesk/models/stance-e5-small-multilingual-nc")
    assert record is not None
    assert record["path"] == "pkg:factdesk/models/stance-e5-small-multilingual-nc"
    assert record["training"] == {"recipe": "multilingual"}
    assert record["data_mix"] == {"ocnli_train": {"used": 3}}
    assert len(record["sha256"]) == 64


def test_parallel_pairs_put_the_claim_in_one_language_and_the_evidence_in_another(
    tmp_path: Path,
) -> None:
    from training.data import Source, parallel_pairs, parallel_unrelated_pairs

    rows = [
        {"label": label, "premise": {"en": f"P{i}", "ru": f"П{i}"},
         "hypothesis": {"en": f"H{i}", "ru": f"Г{i}"}}
        for i, label in enumerate(["entailment", "contradiction", "neutral", "entailment"])
    ]  # fmt: skip
    path = tmp_path / "parallel.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    source = Source("x", "parallel.jsonl", reader="parallel", languages=(("en", "ru"),))
    pairs = parallel_pairs(path, source)
    assert [(p.premise, p.hypothesis) for p in pairs] == [(f"P{i}", f"Г{i}") for i in range(4)]
    assert pairs[1].allowed == frozenset({Stance.REFUTES})
    unrelated = parallel_unrelated_pairs(path, source, seed=1)
    assert unrelated
    assert all(p.allowed == frozenset({Stance.NEUTRAL}) for p in unrelated)
    assert all(p.premise[1:] != p.hypothesis[1:] for p in unrelated)  # another row's premise
    with pytest.raises(ValueError, match="languages"):
        parallel_pairs(path, Source("y", "parallel.jsonl", reader="parallel"))
