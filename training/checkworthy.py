"""Train the check-worthiness head (verify/checkworthy.py) on CheckThat! 2024 English.

The sentences are embedded once with the service's embedder; a logistic regression is then
fitted on the train split for a few strengths of L2 and of the weight of the positive class,
the one with the best F1 on dev is kept, its threshold is the one that maximises F1 on dev,
and dev-test, touched by neither choice, gives the figure that is reported (F1 of the
check-worthy class, the task's official metric).
"""

from __future__ import annotations

import itertools
import json
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


# --- the fine-tuned classifier (verify.checkworthy.ClassifierScorer)

CLASSIFIER_SCALE = 20.0  # the normalised vector's length into the logistic layer
CLASSIFIER_MAX_LENGTH = 64  # tokens: debate sentences are shorter; longer ones are cut
EVALUATE_EVERY = 150  # steps between scorings of dev, where the best checkpoint is chosen


@dataclass(frozen=True)
class ClassifierRecipe:
    epochs: float = 2.0
    batch_size: int = 32
    encoder_lr: float = 5e-5
    layer_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    seed: int = 0
    minutes: float = 45.0  # wall-clock bound; the best checkpoint so far is kept


def train_classifier(
    encoder_path: str,
    data_dir: Path,
    out: Path,
    recipe: ClassifierRecipe,
    threads: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune the encoder at ``encoder_path`` with a logistic layer on the train split,
    score dev every few steps, and write the checkpoint with the best dev F1 (threshold by
    dev F1 too) to ``out``; dev-test, touched by no choice, gives the reported figure."""
    import random
    import time

    from transformers import AutoModel, AutoTokenizer

    from verify.checkworthy import CLASSIFIER_FILE, classifier_logits

    random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    torch.set_num_threads(threads)
    splits = {name: read_split(data_dir / file) for name, file in SPLITS.items()}
    train, dev = splits["train"], splits["dev"]
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    encoder = AutoModel.from_pretrained(encoder_path).float()
    layer = torch.nn.Linear(encoder.config.hidden_size, 1)

    def logits(texts: list[str]) -> torch.Tensor:
        result: torch.Tensor = classifier_logits(
            encoder, tokenizer, texts, CLASSIFIER_MAX_LENGTH, layer.weight[0], layer.bias[0],
            CLASSIFIER_SCALE,
        )  # fmt: skip
        return result

    def scores(texts: list[str]) -> npt.NDArray[np.float64]:
        encoder.eval()
        out_scores = np.zeros(len(texts))
        order = np.argsort([len(t) for t in texts])
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                rows = order[start : start + 64]
                out_scores[rows] = torch.sigmoid(logits([texts[i] for i in rows])).numpy()
        encoder.train()
        return out_scores

    optimizer = torch.optim.AdamW(
        [
            {"params": encoder.parameters(), "lr": recipe.encoder_lr},
            {"params": layer.parameters(), "lr": recipe.layer_lr},
        ],
        weight_decay=recipe.weight_decay,
    )
    total = int(len(train.texts) // recipe.batch_size * recipe.epochs)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / recipe.warmup_steps) * max(0.0, 1 - step / total),
    )
    started, step = time.monotonic(), 0
    best: dict[str, Any] | None = None
    curve: list[dict[str, Any]] = []
    order = list(range(len(train.texts)))
    encoder.train()
    while step < total and time.monotonic() - started < recipe.minutes * 60:
        random.shuffle(order)
        for start in range(0, len(order) - recipe.batch_size + 1, recipe.batch_size):
            rows = order[start : start + recipe.batch_size]
            labels = torch.tensor(train.labels[rows], dtype=torch.float32)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits([train.texts[i] for i in rows]), labels
            )
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            schedule.step()
            step += 1
            if step % EVALUATE_EVERY == 0 or step == total:
                on_dev = best_threshold(scores(dev.texts), dev.labels)
                point = {"step": step, "sentences": step * recipe.batch_size, "dev": asdict(on_dev)}
                curve.append(point)
                log(f"step {step}/{total}: dev F1 {on_dev.f1:.4f} at {on_dev.threshold:.4f}")
                if best is None or on_dev.f1 > best["dev"]["f1"]:
                    best = point
                    _save_classifier(out, encoder, tokenizer, layer, on_dev.threshold)
            if step >= total or time.monotonic() - started >= recipe.minutes * 60:
                break
    if best is None:
        raise InvalidInputError("no checkpoint was scored: give the run more minutes")
    # The best checkpoint, read back as the service reads it, gives the figures.
    from verify.checkworthy import ClassifierScorer

    scorer = ClassifierScorer(out, threads)
    figures = {
        name: asdict(f1_at(scorer.scores(splits[name].texts), splits[name].labels,
                           scorer.threshold))
        for name in ("dev", "dev_test")
    }  # fmt: skip
    fitted = {
        "method": "the encoder fine-tuned with a logistic layer on its mean-pooled, "
        "normalised sentence vector (binary cross-entropy, AdamW); the checkpoint and its "
        "threshold chosen by dev F1",
        "encoder": encoder_path,
        "recipe": asdict(recipe),
        "steps": step,
        "chosen": best,
        "curve": curve,
        "figures": figures,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "data": {
            name: {"file": SPLITS[name], "sha256": sha256_file(data_dir / SPLITS[name])}
            for name in splits
        },
    }
    values = json.loads((out / CLASSIFIER_FILE).read_text(encoding="utf-8"))
    values["fitted"] = fitted
    (out / CLASSIFIER_FILE).write_text(json.dumps(values, indent=1) + "\n", encoding="utf-8")
    return fitted


def _save_classifier(
    out: Path, encoder: Any, tokenizer: Any, layer: torch.nn.Linear, threshold: float
) -> None:
    """The checkpoint as the service loads it: the encoder in fp16 (half the size, scores
    within rounding of fp32's), its tokenizer, and the layer and threshold in JSON."""
    import copy

    from verify.checkworthy import CLASSIFIER_FILE

    out.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(encoder).half().save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    values = {
        "name": out.name,
        "pooling": "mean",
        "scale": CLASSIFIER_SCALE,
        "max_length": CLASSIFIER_MAX_LENGTH,
        "weights": [round(float(w), 7) for w in layer.weight[0].detach()],
        "bias": float(layer.bias[0].detach()),
        "threshold": threshold,
    }
    (out / CLASSIFIER_FILE).write_text(json.dumps(values, indent=1) + "\n", encoding="utf-8")
