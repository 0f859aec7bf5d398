"""Shared fixtures. Tests never reach a model hub: everything loads from local paths."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from verify.labels import STANCES, Stance
from verify.stance_model import Probabilities, StancePair

# Test configuration, not application configuration: the app reads only factdesk.Settings.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
SHIPPED_STANCE_MODEL = REPO_ROOT / "models" / "stance-minilm-l6"


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "training").is_dir():
        pytest.skip(f"needs the shared training data beside the repository ({SHARED})")
    return SHARED


class FakeStanceModel:
    """A fixed stance per pair, from a keyword table: a plain keyword is looked for in the
    claim, an "evidence:" keyword in the evidence. First match wins."""

    def __init__(self, by_keyword: dict[str, Stance], default: Stance = Stance.NEUTRAL) -> None:
        self._by_keyword = by_keyword
        self._default = default
        self.calls: list[int] = []

    @property
    def identity(self) -> dict[str, str]:
        return {"name": "fake", "checksum": "0"}

    def _stance(self, pair: StancePair) -> Stance:
        for keyword, stance in self._by_keyword.items():
            if keyword.startswith("evidence:"):
                if keyword.removeprefix("evidence:") in pair.evidence:
                    return stance
            elif keyword in pair.claim:
                return stance
        return self._default

    def predict(self, pairs: Sequence[StancePair]) -> Probabilities:
        self.calls.append(len(pairs))
        out = np.full((len(pairs), 3), 0.05, dtype=np.float32)
        for row, pair in enumerate(pairs):
            out[row, STANCES.index(self._stance(pair))] = 0.9
        return out


@pytest.fixture
def fake_stance_model() -> FakeStanceModel:
    return FakeStanceModel({"agreed": Stance.REFUTES, "signed": Stance.SUPPORTS})
