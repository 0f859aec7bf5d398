"""The stance model: per (evidence, claim) pair, probabilities of SUPPORTS, REFUTES, NEUTRAL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from factdesk.core.files import sha256_files
from factdesk.core.resources import resolve_model_ref
from index.embedding import native_bf16
from verify.labels import (
    NEUTRAL_COLUMN,
    REFUTES_COLUMN,
    STANCES,
    SUPPORTS_COLUMN,
    LabelMappingError,
    Stance,
    map_id2label,
)

Probabilities = npt.NDArray[np.float32]
"""Shape (n, 3); columns in ``STANCES`` order: SUPPORTS, REFUTES, NEUTRAL."""


class StancePair(NamedTuple):
    evidence: str  # the NLI premise
    claim: str  # the NLI hypothesis


class StanceModel(Protocol):
    """Anything that judges evidence/claim pairs; tests use fakes behind this."""

    @property
    def identity(self) -> dict[str, str]:
        """What an auditor needs to know which model answered (name, revision, checksum)."""
        ...

    def predict(self, pairs: Sequence[StancePair]) -> Probabilities: ...


class StanceScores(NamedTuple):
    """One row of ``Probabilities``, by name."""

    supports: float
    refutes: float
    neutral: float

    @classmethod
    def of(cls, row: Probabilities) -> StanceScores:
        return cls(
            float(row[SUPPORTS_COLUMN]), float(row[REFUTES_COLUMN]), float(row[NEUTRAL_COLUMN])
        )


def stance_of(row: Probabilities) -> Stance:
    return STANCES[int(np.argmax(row))]


# Batches are padded to a multiple of this many tokens. oneDNN (the CPU kernels) builds and
# caches a kernel per input shape; with every claim/evidence length its own shape, a
# server's RSS grew by ~800 MiB over 400 batches of dev claims and had not levelled off
# (bench.soak). Eight lengths up to 256 tokens keep it flat, and the cache hits make it
# ~8% faster, for a few padding tokens the attention mask ignores.
PAD_TO_MULTIPLE_OF = 32


def encode_pairs(
    tokenizer: Any, premises: Sequence[str], hypotheses: Sequence[str], max_length: int
) -> Any:
    """Token ids of (premise, hypothesis) pairs as the model reads them, in training too:
    the longer side is truncated first, the batch padded to its longest pair."""
    return tokenizer(
        list(premises),
        list(hypotheses),
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        pad_to_multiple_of=PAD_TO_MULTIPLE_OF,
        return_tensors="pt",
    )


@dataclass(frozen=True)
class StanceModelConfig:
    """Built from Settings by factdesk.wiring, which holds the defaults."""

    reference: str
    threads: int
    batch_size: int
    max_length: int
    # auto: bf16 where the CPU computes bf16 natively, else fp32 | fp32 | bf16 |
    # int8 (dynamic int8 quantisation of the linear layers)
    precision: str


def _model_checksum(path: Path) -> str:
    """Content digest of the weight files: names the exact weights in the audit trail."""
    weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
    return sha256_files(weights)[:16]


PRECISIONS = ("auto", "fp32", "bf16", "int8")


def resolve_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"stance precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def _int8(model: Any) -> Any:
    """Linear layers with int8 weights and dynamically quantised activations (CPU)."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # PyTorch marks its quantised tensor types deprecated; they still run, and this is
        # the one int8 path that needs no export step or extra runtime.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]


class TransformersStanceModel:
    """A Hugging Face sequence-classification NLI model, run on the CPU in batches.

    The output order is read from the model's ``id2label``; a model whose labels do not map
    one-to-one onto supports/refutes/neutral is refused at load time.
    """

    def __init__(self, config: StanceModelConfig, resolved_path: str) -> None:
        import torch
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        hf_config = AutoConfig.from_pretrained(resolved_path)
        try:
            self._stances = map_id2label(hf_config.id2label)
        except LabelMappingError as exc:
            raise LabelMappingError(f"stance model {config.reference!r}: {exc}") from exc
        # Columns of the model's output, reordered into STANCES order.
        self._column_order = [self._stances.index(stance) for stance in STANCES]
        self._torch = torch
        self._threads = config.threads
        self._batch_size = config.batch_size
        self._max_length = config.max_length
        self._tokenizer = AutoTokenizer.from_pretrained(resolved_path)
        precision = resolve_precision(config.precision)
        # Shipped weights are fp16 to halve their size; CPUs compute fp16 slowly, while bf16
        # is fast where native (the same accuracy on the stance benchmarks; BENCHMARKS.md).
        self._model = AutoModelForSequenceClassification.from_pretrained(
            resolved_path, dtype=torch.bfloat16 if precision == "bf16" else torch.float32
        )
        self._model.eval()
        if precision == "int8":
            self._model = _int8(self._model)
        path = Path(resolved_path)
        self._identity = {
            "name": config.reference,
            "labels": ",".join(s.value for s in self._stances),
            "checksum": _model_checksum(path) if path.is_dir() else "hub",
            "precision": precision,
        }
        training = path / "training.json"
        if training.exists():
            meta = json.loads(training.read_text(encoding="utf-8"))
            self._identity["backbone"] = str(meta.get("backbone", ""))

    @property
    def identity(self) -> dict[str, str]:
        return dict(self._identity)

    def predict(self, pairs: Sequence[StancePair]) -> Probabilities:
        torch = self._torch
        if not pairs:
            return np.zeros((0, len(STANCES)), dtype=np.float32)
        torch.set_num_threads(self._threads)
        # Similar lengths share a batch, so little of each forward pass is padding; the
        # rows are put back in the caller's order below.
        order = sorted(
            range(len(pairs)), key=lambda i: len(pairs[i].evidence) + len(pairs[i].claim)
        )
        out: list[Probabilities] = []
        with torch.inference_mode():
            for start in range(0, len(pairs), self._batch_size):
                batch = [pairs[i] for i in order[start : start + self._batch_size]]
                encoded = encode_pairs(
                    self._tokenizer,
                    [p.evidence for p in batch],
                    [p.claim for p in batch],
                    self._max_length,
                )
                logits = self._model(**encoded).logits.float()
                probabilities = torch.softmax(logits, dim=-1).numpy()
                out.append(probabilities[:, self._column_order].astype(np.float32))
        result = np.empty_like(np.concatenate(out, axis=0))
        result[order] = np.concatenate(out, axis=0)
        return result


def load_stance_model(config: StanceModelConfig) -> TransformersStanceModel:
    return TransformersStanceModel(config, resolve_model_ref(config.reference))
