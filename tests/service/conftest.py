"""App fixtures: fake models, real FAISS, real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factdesk.core.settings import AuditSettings, Settings
from index.corpus import Document, load_corpus
from index.store import build_index
from service.app import create_app
from service.keys.repository import Scope
from service.runtime import Runtime
from tests.conftest import SAMPLE_CORPUS
from tests.fakes import (
    FakeStanceModel,
    HashingEmbedder,
    fake_pipeline_factory,
    fake_settings,
    fake_spec,
)
from verify.labels import Stance

LOCAL = "http://localhost"


@pytest.fixture(scope="session")
def sample_documents() -> list[Document]:
    return load_corpus(SAMPLE_CORPUS)


@pytest.fixture(scope="session")
def fake_index_dir(
    tmp_path_factory: pytest.TempPathFactory, sample_documents: list[Document]
) -> Path:
    out = tmp_path_factory.mktemp("index") / "sample"
    build_index(sample_documents, HashingEmbedder(), fake_spec(), out)
    return out


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
    return fake_settings(audit=AuditSettings(database_url=database_url), min_relevance=0.0)


@pytest.fixture
def client(
    settings: Settings, fake_index_dir: Path, stance: FakeStanceModel
) -> Iterator[TestClient]:
    app = create_app(settings, pipeline_factory=fake_pipeline_factory(fake_index_dir, stance))
    # localhost: a Host the production configuration serves (TestClient's own is not).
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as test_client:
        yield as_admin(test_client)


def as_admin(client: TestClient) -> TestClient:
    """The client, sending a new admin key of the app's own database by default."""
    _, key = runtime_of(client).keys.create("tests-admin", frozenset({Scope.ADMIN}))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def new_key(client: TestClient, name: str, *scopes: Scope, rate_limit: str | None = None) -> str:
    """A key of the app's own database, as `factdesk keys create` makes it."""
    _, key = runtime_of(client).keys.create(name, frozenset(scopes), rate_limit)
    return key
