"""A live server over the fakes, for the commands that ask one (--url)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from factdesk.core.settings import AuditSettings
from index.corpus import load_corpus
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
from tests.live_server import uvicorn_in_thread
from verify.labels import Stance


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("cli-server")
    index_dir, database = folder / "index", folder / "audit.db"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    settings = fake_settings(audit=AuditSettings(database_url=f"sqlite:///{database}"))
    stance = FakeStanceModel({"signed": Stance.SUPPORTS})
    app = create_app(settings, pipeline_factory=fake_pipeline_factory(index_dir, stance))
    with uvicorn_in_thread(app) as port:
        runtime: Runtime = app.state.runtime
        _, key = runtime.keys.create("cli", frozenset({Scope.VERIFY}))
        yield f"http://127.0.0.1:{port}", key
