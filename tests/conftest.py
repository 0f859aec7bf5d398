"""Shared fixtures. Tests never reach a model hub: everything loads from local paths."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from verify.labels import STANCES, Stance
from verify.stance_model import Probabilities, StancePair

# Test configuration, not application configuration: the app reads only factdesk.Settings.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
SHIPPED_STANCE_MODEL = REPO_ROOT / "models" / "stance-minilm-l6"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


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


def _postgres_database() -> Iterator[str]:
    """A fresh, throwaway PostgreSQL database; skipped (or failed in CI) without a server."""
    admin_url = os.environ.get("FACTDESK_TEST_POSTGRES_URL", POSTGRES_ADMIN_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        connection = admin.connect()
    except OperationalError as exc:
        admin.dispose()
        reason = f"no PostgreSQL server answers at {admin_url} ({exc.orig.__class__.__name__})"
        if os.environ.get("FACTDESK_TEST_REQUIRE_POSTGRES"):
            pytest.fail(reason + " but FACTDESK_TEST_REQUIRE_POSTGRES is set")
        pytest.skip(reason)
    name = f"factdesk_test_{uuid.uuid4().hex[:12]}"
    connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.close()
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh audit database: a SQLite file, and a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        yield from _postgres_database()
