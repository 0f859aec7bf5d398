"""App fixtures: fake models, real FAISS, real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factdesk.settings import Settings
from index.corpus import Document, load_corpus
from index.store import IndexSpec, build_index, load_index
from service.app import create_app
from service.components import Components, assemble_components
from tests.conftest import REPO_ROOT, FakeStanceModel
from tests.fakes import HashingEmbedder
from verify.labels import Stance

SAMPLE_CORPUS = REPO_ROOT / "corpus" / "sample"


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
