"""Two replicas on one PostgreSQL, each a real uvicorn server on loopback: a change made
through one is answered by the other, without a restart, within seconds; and a server keeps
answering, with no error, while documents come and go."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from factdesk.core.settings import AuditSettings, IndexSettings, Settings
from service.app import create_app
from tests.fakes import CountingEmbedder, FakeStanceModel, fake_pipeline_factory, fake_settings
from tests.live_server import uvicorn_in_thread
from tests.service.test_documents import CLAIM, NORWAY
from verify.labels import Stance

pytestmark = pytest.mark.postgres
CONVERGE_S = 10.0  # the bound


def _settings(
    database_url: str, segments: Path, index_dir: Path, milvus_uri: str | None = None
) -> Settings:
    store: dict[str, Any] = {"vector_store": "milvus", "milvus_uri": milvus_uri}
    return fake_settings(
        audit=AuditSettings(database_url=database_url),
        index=IndexSettings(
            index_dir=index_dir,
            segments_dir=segments,
            version_poll_s=0.25,
            **(store if milvus_uri else {}),
        ),
        min_relevance=0.0,
        auth="off",
    )


@pytest.fixture(params=["faiss", "milvus"])
def vector_store(request: pytest.FixtureRequest) -> str | None:
    """Each replica's own FAISS indexes (None), or the URI of one Milvus server they share."""
    if request.param == "faiss":
        return None
    uri: str = request.getfixturevalue("milvus_server")
    return uri


@pytest.fixture
def embedders() -> dict[str, CountingEmbedder]:
    return {"a": CountingEmbedder(), "b": CountingEmbedder()}


@pytest.fixture
def replicas(
    postgres_url: str,
    fake_index_dir: Path,
    tmp_path: Path,
    vector_store: str | None,
    embedders: dict[str, CountingEmbedder],
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    stance = FakeStanceModel({"signed": Stance.SUPPORTS})
    with ExitStack() as stack:
        clients = []
        for name in ("a", "b"):
            settings = _settings(
                postgres_url, tmp_path / f"segments-{name}", fake_index_dir, vector_store
            )
            factory = fake_pipeline_factory(fake_index_dir, stance, embedders[name])
            app = create_app(settings, pipeline_factory=factory)
            port = stack.enter_context(uvicorn_in_thread(app))
            client = httpx.Client(base_url=f"http://localhost:{port}", timeout=30)
            stack.callback(client.close)
            clients.append(client)
        yield clients[0], clients[1]


def _verify(client: httpx.Client, claim: str = CLAIM) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"claim": claim})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _until_version(client: httpx.Client, version: int) -> float:
    """Seconds until ``client``'s server answers from ``version``."""
    started = time.monotonic()
    while time.monotonic() - started < CONVERGE_S:
        if _verify(client)["index"]["version"] == version:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"the replica did not load version {version} within {CONVERGE_S} s")


def test_a_change_through_one_replica_is_answered_by_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
    vector_store: str | None,
    embedders: dict[str, CountingEmbedder],
) -> None:
    a, b = replicas
    assert _verify(a)["index"]["version"] == _verify(b)["index"]["version"] == 1
    added = a.post("/v1/documents", json=NORWAY)
    assert added.status_code == 201, added.text
    version = added.json()["version"]
    assert embedders["a"].texts > 0
    assert _until_version(b, version) < CONVERGE_S
    answer = _verify(b)
    assert any(c["document_id"] == NORWAY["id"] for c in answer["citations"])
    # With one Milvus, B reads the vectors A wrote: it embedded nothing.
    assert (embedders["b"].texts == 0) == (vector_store is not None)
    assert answer["index"]["corpus_fingerprint"] == _verify(a)["index"]["corpus_fingerprint"]

    removed = b.delete(f"/v1/documents/{NORWAY['id']}")
    assert removed.status_code == 204
    _until_version(a, int(removed.headers["x-index-version"]))
    assert all(c["document_id"] != NORWAY["id"] for c in _verify(a)["citations"])
    assert a.get("/v1/index/versions").json()["current"] == 3


def test_clients_see_no_error_while_documents_come_and_go(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    a, _ = replicas
    stop = threading.Event()
    outcomes: list[tuple[int, int | None]] = []  # (status, version)
    lock = threading.Lock()

    def keep_verifying() -> None:
        with httpx.Client(base_url=a.base_url, timeout=30) as client:
            while not stop.is_set():
                response = client.post("/v1/verify", json={"claim": "Putin signed a statement."})
                version = response.json()["index"]["version"] if response.is_success else None
                with lock:
                    outcomes.append((response.status_code, version))

    workers = [threading.Thread(target=keep_verifying) for _ in range(8)]
    for worker in workers:
        worker.start()
    try:
        for round_ in range(3):
            document = {**NORWAY, "id": f"norway-{round_}", "text": f"{NORWAY['text']} {round_}"}
            assert a.post("/v1/documents", json=document).status_code == 201
            assert a.delete(f"/v1/documents/norway-{round_}").status_code == 204
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    statuses = {status for status, _ in outcomes}
    assert statuses == {200}, statuses
    versions = [version for _, version in outcomes]
    assert len(set(versions)) > 1  # the swaps happened while they were answering
