"""Schemathesis against a live server: the committed openapi.yaml, cases generated from it
(bounded and seeded), sent over HTTP to the production app on fake models with a real
PostgreSQL audit database (where NUL bytes and date overflows used to be 5xx)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings

from factdesk.core.settings import AuditSettings
from service.app import create_app
from service.runtime import Runtime
from tests.conftest import REPO_ROOT
from tests.fakes import FakeStanceModel, fake_pipeline_factory, fake_settings
from verify.labels import Stance

SCHEMA = schemathesis.openapi.from_path(REPO_ROOT / "openapi.yaml")
# Valid and invalid input both, NUL bytes included, reproducibly.
SCHEMA.config.generation.update(
    modes=list(schemathesis.GenerationMode), allow_x00=True, deterministic=True
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> Iterator[tuple[str, dict[str, str]]]:
    from index.corpus import load_corpus
    from index.store import build_index
    from tests.conftest import SAMPLE_CORPUS
    from tests.fakes import HashingEmbedder, fake_spec

    index_dir = tmp_path_factory.mktemp("fuzz-index") / "sample"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    stance = FakeStanceModel({"signed": Stance.SUPPORTS})
    app = create_app(
        fake_settings(audit=AuditSettings(database_url=postgres_url), min_relevance=0.0),
        pipeline_factory=fake_pipeline_factory(index_dir, stance),
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fuzzing server did not start")
        time.sleep(0.05)
    runtime: Runtime = app.state.runtime
    from service.keys.repository import Scope

    _, key = runtime.keys.create("fuzzer", frozenset({Scope.ADMIN}), "1000000/minute")
    yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    from tests.conftest import _postgres_database

    yield from _postgres_database()


@SCHEMA.parametrize()
@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_every_answer_matches_the_schema(
    case: Any, live: tuple[str, dict[str, str]]
) -> None:
    url, auth = live
    # A schema-valid body may still be refused on meaning ("000 000" states nothing: 422
    # not-a-claim); that is the one check that does not apply. No 5xx, and every answer's
    # status, headers and body as declared, do.
    case.call_and_validate(
        base_url=url,
        headers=auth,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
