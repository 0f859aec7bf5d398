"""Train the check-worthiness head (verify/checkworthy.py) on CheckThat! 2024 English.

The sentences are embedded once with the service's embedder; a logistic regression is then
fitted on the train split for a few strengths of L2 and of the weight of the positive class,
the one with the best F1 on dev is kept, its threshold is the one that maximises F1 on dev,
and dev-test, touched by neither choice, gives the figure that is reported (F1 of the
check-worthy class, the task's official metric).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from factdesk.core.errors import InvalidInputError
from factdesk.core.files import read_jsonl, sha256_file
from index.embedding import Embedder
from verify.checkworthy import CheckworthinessHead

SPLITS = {
    "train": "checkthat2024_en_train.jsonl",
    "dev": "checkthat2024_en_dev.jsonl",
    "dev_test": "checkthat2024_en_dev_test.jsonl",
}
L2_STRENGTHS = (0.0, 1e-5, 1e-4, 1e-3)
# 1: every sentence counts alike; "balanced": a positive counts as (negatives / positives).
POSITIVE_WEIGHTS: tuple[float | str, ...] = (1.0, "balanced")


@dataclass(frozen=True)
class LabelledSentences:
    texts: list[str]
    labels: npt.NDArray[np.int64]  # 1: a check-worthy factual claim


def read_split(path: Path) -> LabelledSentences:
    texts: list[str] = []
    labels: list[int] = []
    for number, row in read_jsonl(path):
        try:
            texts.append(str(row["text"]))
            labels.append(int(row["label"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"{path}:{number}: expected text and label") from exc
    if not texts:
        raise InvalidInputError(f"{path}: no sentences")
    return LabelledSentences(texts, np.asarray(labels, dtype=np.int64))


@dataclass(frozen=True)
class F1Figures:
    threshold: float
    precision: float
    recall: float
    f1: float
    positives: int
    sentences: int


def f1_at(
    scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], threshold: float
) -> F1Figures:
    flagged = scores >= threshold
    true_positives = int(np.sum(flagged & (labels == 1)))
    precision = true_positives / max(1, int(flagged.sum()))
    recall = true_positives / max(1, int((labels == 1).sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return F1Figures(threshold, precision, recall, f1, int((labels == 1).sum()), len(labels))


def best_threshold(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]) -> F1Figures:
    """The threshold among the scores themselves with the highest F1 (the lowest on a tie)."""
    candidates = sorted(set(np.round(scores, 6).tolist()))
    return max((f1_at(scores, labels, t) for t in candidates), key=lambda f: (f.f1, -f.threshold))


def fit_logistic(
    vectors: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int64],
    l2: float,
    positive_weight: float,
) -> tuple[npt.NDArray[np.float32], float]:
    """Weights and bias of an L2-regularised logistic regression (full-batch L-BFGS)."""
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    y = torch.from_numpy(labels.astype(np.float32))
    sample_weight = torch.where(y > 0, torch.tensor(positive_weight), torch.tensor(1.0))
    weights = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights, bias], max_iter=500, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        logits = x @ weights + bias
        per_sentence = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, y, reduction="none"
        )
        value = (per_sentence * sample_weight).sum() / sample_weight.sum()
        value = value + l2 * (weights**2).sum()
        value.backward()  # type: ignore[no-untyped-call]
        return value

    optimizer.step(loss)  # type: ignore[no-untyped-call]
    return weights.detach().numpy().astype(np.float32), float(bias.item())


@dataclass(frozen=True)
class TrainedHead:
    head: CheckworthinessHead
    fitted: dict[str, Any]  # what was tried, what was chosen, the figures


def train_head(
    embedder: Embedder,
    data_dir: Path,
    log: Callable[[str], None] = print,
) -> TrainedHead:
    splits = {name: read_split(data_dir / file) for name, file in SPLITS.items()}
    vectors = {}
    for name, split in splits.items():
        log(f"embedding {len(split.texts)} {name} sentences with {embedder.name}")
        vectors[name] = embedder.embed(split.texts)
    train, dev = splits["train"], splits["dev"]
    balanced = float((train.labels == 0).sum() / max(1, (train.labels == 1).sum()))
    tried: list[dict[str, Any]] = []
    best: tuple[float, CheckworthinessHead] | None = None
    for l2, positive in itertools.product(L2_STRENGTHS, POSITIVE_WEIGHTS):
        weight = balanced if positive == "balanced" else float(positive)
        w, b = fit_logistic(vectors["train"], train.labels, l2, weight)
        on_dev = best_threshold(_scores(vectors["dev"], w, b), dev.labels)
        tried.append({"l2": l2, "positive_weight": positive, "dev": asdict(on_dev)})
        log(f"l2 {l2:g}, positive weight {positive}: dev F1 {on_dev.f1:.4f} at {on_dev.threshold}")
        if best is None or on_dev.f1 > best[0]:
            head = CheckworthinessHead(embedder.name, w, b, on_dev.threshold)
            best = (on_dev.f1, head)
    assert best is not None
    head = best[1]
    figures = {
        name: asdict(f1_at(head.scores(vectors[name]), splits[name].labels, head.threshold))
        for name in splits
    }
    chosen = next(t for t in tried if t["dev"]["f1"] == best[0])
    fitted = {
        "method": "logistic regression on the sentence embeddings (L-BFGS), L2 and the "
        "positive class's weight chosen by dev F1, threshold by dev F1",
        "chosen": {"l2": chosen["l2"], "positive_weight": chosen["positive_weight"]},
        "tried": tried,
        "figures": figures,
        "data": {
            name: {"file": SPLITS[name], "sha256": sha256_file(data_dir / SPLITS[name])}
            for name in splits
        },
    }
    return TrainedHead(head, fitted)


def _scores(
    vectors: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], bias: float
) -> npt.NDArray[np.float64]:
    return CheckworthinessHead("", weights, bias, 0.5).scores(vectors)
