"""Which sentences make a check-worthy factual claim: a head on the sentence embeddings.

factdesk already embeds every sentence it reads (retrieval needs the vectors), so the
check-worthiness of a sentence costs one dot product more: P(check-worthy) =
sigmoid(w . v + b) over its normalised embedding v, flagged at ``threshold``. The head is
trained by ``factdesk checkworthy train`` (training/checkworthy.py) for one embedding model
and refuses any other: its weights mean nothing in another model's space.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import InvalidInputError

HEAD_FILE = "head.json"  # the weights and what they were fitted for, in one readable file


class CheckworthinessModelError(InvalidInputError):
    pass


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
