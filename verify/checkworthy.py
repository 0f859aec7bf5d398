"""Which sentences make a check-worthy factual claim: a scorer the draft reader asks.

Two kinds, both written by ``factdesk checkworthy train`` (training/checkworthy.py) and
loaded by ``load_checkworthiness`` from the folder the settings name:

- a classifier (``classifier.json`` beside a small encoder's weights): the encoder fine-tuned
  on the task, its mean-pooled, normalised sentence vector scored by a logistic layer. The
  shipped one (MiniLM-L6 fine-tuned) costs what embedding the sentence costs.
- a head (``head.json``): a logistic regression over the sentence embeddings of one embedding
  model, P(check-worthy) = sigmoid(w . v + b); it refuses any other embedder, whose vectors
  its weights mean nothing in. Cheaper to train, less accurate (see the model cards).

Either flags a sentence at its ``threshold`` or above.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import InvalidInputError
from index.embedding import Embedder

HEAD_FILE = "head.json"  # the weights and what they were fitted for, in one readable file
CLASSIFIER_FILE = "classifier.json"  # a fine-tuned classifier's pooling, layer and threshold


class CheckworthinessModelError(InvalidInputError):
    pass


class SentenceScorer(Protocol):
    """P(check-worthy) of sentences, and the probability at which one is flagged."""

    @property
    def threshold(self) -> float: ...

    def scores(self, sentences: Sequence[str]) -> npt.NDArray[np.float64]: ...


@dataclass(frozen=True)
class CheckworthinessHead:
    embedding_model: str  # the embedder whose vectors it reads (Settings: embedding.model)
    weights: npt.NDArray[np.float32]  # one per dimension of that embedder
    bias: float
    threshold: float  # a sentence is check-worthy at this probability or above

    def scores(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """P(check-worthy) of each row of ``vectors`` (normalised sentence embeddings)."""
        if vectors.ndim != 2 or vectors.shape[1] != self.weights.shape[0]:
            raise CheckworthinessModelError(
                f"expected vectors of dimension {self.weights.shape[0]}, got {vectors.shape}"
            )
        logits = vectors.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def check(self, embedding_model: str) -> None:
        """Refuse to read another embedder's vectors."""
        if embedding_model != self.embedding_model:
            raise CheckworthinessModelError(
                f"the check-worthiness head was trained on {self.embedding_model!r} vectors, "
                f"not {embedding_model!r}: retrain it with `factdesk checkworthy train`"
            )

    def save(self, folder: Path, fitted: Mapping[str, Any]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "embedding_model": self.embedding_model,
            "dimension": int(self.weights.shape[0]),
            "bias": self.bias,
            "threshold": self.threshold,
            "weights": [round(float(w), 7) for w in self.weights],
            "fitted": dict(fitted),
        }
        target = folder / HEAD_FILE
        staging = folder / f".{HEAD_FILE}.tmp"
        staging.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        staging.replace(target)
        return target

    @classmethod
    def load(cls, folder: Path) -> CheckworthinessHead:
        path = folder / HEAD_FILE
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            weights = np.asarray(values["weights"], dtype=np.float32)
            head = cls(
                str(values["embedding_model"]),
                weights,
                float(values["bias"]),
                float(values["threshold"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckworthinessModelError(
                f"{path}: not a check-worthiness head ({exc}): train one with "
                "`factdesk checkworthy train`"
            ) from exc
        if weights.ndim != 1 or weights.shape[0] != values.get("dimension"):
            raise CheckworthinessModelError(f"{path}: weights do not match its dimension")
        return head


class HeadScorer:
    """A head over the vectors of the embedder it was trained on."""

    def __init__(self, embedder: Embedder, head: CheckworthinessHead) -> None:
        head.check(embedder.name)
        self._embedder = embedder
        self._head = head

    @property
    def threshold(self) -> float:
        return self._head.threshold

    def scores(self, sentences: Sequence[str]) -> npt.NDArray[np.float64]:
        return self._head.scores(self._embedder.embed(sentences))


class ClassifierScorer:
    """A fine-tuned encoder and its logistic layer (training/checkworthy.py writes them)."""

    def __init__(self, folder: Path, threads: int) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        try:
            values = json.loads((folder / CLASSIFIER_FILE).read_text(encoding="utf-8"))
            self._threshold = float(values["threshold"])
            self._scale = float(values["scale"])
            self._max_length = int(values["max_length"])
            weights = torch.tensor(values["weights"], dtype=torch.float32)
            bias = float(values["bias"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckworthinessModelError(
                f"{folder / CLASSIFIER_FILE}: not a check-worthiness classifier ({exc}): "
                "train one with `factdesk checkworthy train --recipe classifier`"
            ) from exc
        self._torch = torch
        self._threads = threads
        self._tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self._encoder = AutoModel.from_pretrained(str(folder)).float().eval()
        if weights.shape != (self._encoder.config.hidden_size,):
            raise CheckworthinessModelError(f"{folder}: the layer does not fit the encoder")
        self._weights, self._bias = weights, bias

    @property
    def threshold(self) -> float:
        return self._threshold

    def scores(self, sentences: Sequence[str]) -> npt.NDArray[np.float64]:
        out = np.zeros(len(sentences), dtype=np.float64)
        if not sentences:
            return out
        torch = self._torch
        torch.set_num_threads(self._threads)
        # Shortest first, so a batch pads little.
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                rows = order[start : start + 64]
                logits = classifier_logits(
                    self._encoder,
                    self._tokenizer,
                    [sentences[i] for i in rows],
                    self._max_length,
                    self._weights,
                    self._bias,
                    self._scale,
                )
                out[rows] = torch.sigmoid(logits).double().numpy()
        return out


def classifier_logits(
    encoder: Any,
    tokenizer: Any,
    sentences: Sequence[str],
    max_length: int,
    weights: Any,
    bias: Any,
    scale: float,
) -> Any:
    """The classifier's logit for each sentence: its tokens' mean vector, normalised and
    scaled, through the logistic layer (the one definition, for training and serving)."""
    import torch

    batch = tokenizer(
        list(sentences), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    hidden = encoder(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    pooled = torch.nn.functional.normalize(pooled, dim=-1) * scale
    return pooled @ weights + bias


def load_checkworthiness(folder: Path, embedder: Embedder, threads: int) -> SentenceScorer:
    """The scorer in ``folder``: a fine-tuned classifier, or a head over ``embedder``."""
    if (folder / CLASSIFIER_FILE).exists():
        return ClassifierScorer(folder, threads)
    return HeadScorer(embedder, CheckworthinessHead.load(folder))
