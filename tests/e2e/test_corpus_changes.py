"""A document added and removed over HTTP on loopback, with the real models, while eight
clients keep verifying other claims: the new fact is SUPPORTED at once, citing the document
with exact offsets into its text, and is gone after the delete; no restart, no error."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from factdesk.core.settings import (
    AuditSettings,
    IndexSettings,
    SecuritySettings,
    Settings,
    StanceSettings,
)
from service.app import create_app
from service.keys.repository import Scope
from service.runtime import Runtime
from tests.live_server import uvicorn_in_thread

pytestmark = pytest.mark.slow

ROSATOM = {
    "id": "rosatom-xudapu-2024-05-16",
    "title": "Rosatom to build reactors in Liaoning",
    "text": "Rosatom and the China National Nuclear Corporation signed a contract on 16 May "
    "2024 to build two VVER-1200 reactors at the Xudapu nuclear plant in Liaoning province. "
    "Construction is to begin in 2026.",
    "publisher": "Example Wire",
    "published": "2024-05-16",
    "url": "https://example.org/xudapu",
}
CLAIM = "Rosatom signed a contract to build two reactors at the Xudapu plant."
OTHER_CLAIMS = [
    "Putin and Xi signed a joint statement in Beijing.",
    "Power of Siberia 2 was agreed.",
    "Putin visited Harbin during his state visit.",
    "China supports the expansion of NATO.",
]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path, shipped_model: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("corpus-changes")
    settings = Settings(
        audit=AuditSettings(database_url=f"sqlite:///{folder / 'factdesk.db'}"),
        index=IndexSettings(index_dir=real_index_dir, segments_dir=folder / "segments"),
        stance=StanceSettings(model=str(shipped_model)),
        security=SecuritySettings(default_rate_limit="100000/minute"),
    )
    app = create_app(settings)
    with uvicorn_in_thread(app) as port:
        runtime: Runtime = app.state.runtime
        _, key = runtime.keys.create("e2e-admin", frozenset({Scope.ADMIN}))
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}


def _verify(client: httpx.Client, claim: str) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"claim": claim})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_document_added_and_removed_under_load(server: tuple[str, dict[str, str]]) -> None:
    url, headers = server
    stop = threading.Event()
    outcomes: list[int] = []

    def keep_verifying(offset: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            turn = offset
            while not stop.is_set():
                claim = OTHER_CLAIMS[turn % len(OTHER_CLAIMS)]
                outcomes.append(client.post("/v1/verify", json={"claim": claim}).status_code)
                turn += 1

    workers = [threading.Thread(target=keep_verifying, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            before = _verify(client, CLAIM)
            assert before["verdict"] == "NOT_ENOUGH_INFO", before

            started = time.monotonic()
            added = client.post("/v1/documents", json=ROSATOM)
            assert added.status_code == 201, added.text
            answer = _verify(client, CLAIM)
            searchable_s = time.monotonic() - started
            assert searchable_s < 10  # the bound, from the POST to a citing answer
            assert answer["verdict"] == "SUPPORTED", answer
            assert answer["index"]["version"] == added.json()["version"]
            cited = [c for c in answer["citations"] if c["document_id"] == ROSATOM["id"]]
            assert cited
            assert cited[0]["decisive"]
            text = client.get(f"/v1/documents/{ROSATOM['id']}/text").json()["text"]
            assert text == ROSATOM["text"]
            for citation in cited:
                assert text[citation["start"] : citation["end"]] == citation["text"]

            assert client.delete(f"/v1/documents/{ROSATOM['id']}").status_code == 204
            after = _verify(client, CLAIM)
            assert after["verdict"] == "NOT_ENOUGH_INFO", after
            assert all(c["document_id"] != ROSATOM["id"] for c in after["citations"])
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    assert outcomes
    assert set(outcomes) == {200}, sorted(set(outcomes))
