"""App fixtures: fake models, real FAISS, real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from factdesk.settings import Settings
from index.corpus import Document, load_corpus
from index.store import IndexSpec, build_index, load_index
from service.app import create_app
from service.components import Components, assemble_components
from tests.conftest import REPO_ROOT, FakeStanceModel
from tests.fakes import HashingEmbedder
from verify.labels import Stance

SAMPLE_CORPUS = REPO_ROOT / "corpus" / "sample"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


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
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def sample_documents() -> list[Document]:
    return load_corpus(SAMPLE_CORPUS)


@pytest.fixture(scope="session")
def fake_index_dir(
    tmp_path_factory: pytest.TempPathFactory, sample_documents: list[Document]
) -> Path:
    out = tmp_path_factory.mktemp("index") / "sample"
    embedder = HashingEmbedder()
    build_index(sample_documents, embedder, IndexSpec(embedding_model=embedder.name), out)
    return out


def fake_components_factory(
    index_dir: Path, stance: FakeStanceModel
) -> Callable[[Settings], Components]:
    def factory(settings: Settings) -> Components:
        embedder = HashingEmbedder()
        index = load_index(index_dir, embedding_model=embedder.name, dimension=embedder.dimension)
        return assemble_components(settings, embedder, index, stance)

    return factory


@pytest.fixture
def stance() -> FakeStanceModel:
    return FakeStanceModel(
        {
            "evidence:Power of Siberia 2": Stance.REFUTES,
            "signed": Stance.SUPPORTS,
        }
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, min_relevance=0.0)


@pytest.fixture
def client(
    settings: Settings, fake_index_dir: Path, stance: FakeStanceModel
) -> Iterator[TestClient]:
    app = create_app(settings, components_factory=fake_components_factory(fake_index_dir, stance))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
