"""SIGKILL in the middle of a stream of requests: every 200 a client saw is in the audit trail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bench.server import Server
from tests.e2e.conftest import create_key, factdesk_cli

pytestmark = pytest.mark.slow

CLAIMS = [
    "Power of Siberia 2 was agreed.",
    "Putin and Xi signed a joint statement in Beijing.",
    "Putin visited Harbin.",
    "Russia's trade with China rose 60 percent.",
]


def test_answered_requests_survive_sigkill(
    database_url: str, server_factory: Callable[[str], Server]
) -> None:
    key = create_key(database_url, "crash-test", "admin")
    headers = {"Authorization": f"Bearer {key}"}
    server = server_factory(database_url)
    server.start()
    answered: list[dict[str, Any]] = []
    failures: list[str] = []
    stop = threading.Event()

    def client(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30, headers=headers) as http:
            n = 0
            while not stop.is_set():
                claim = CLAIMS[(worker + n) % len(CLAIMS)]
                n += 1
                try:
                    response = http.post("/v1/verify", json={"claim": claim})
                except httpx.HTTPError as exc:  # the server died mid-request: no answer seen
                    failures.append(type(exc).__name__)
                    continue
                if response.status_code == 200:
                    answered.append(response.json())

    workers = [threading.Thread(target=client, args=(i,)) for i in range(3)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 120
    while len(answered) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # requests are in flight at this moment
    time.sleep(0.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    assert len(answered) >= 8, "the server answered too few requests before the kill"
    assert failures, "the kill interrupted no request: the test proved nothing"

    restarted = server_factory(database_url)
    restarted.start()
    with httpx.Client(base_url=restarted.url, timeout=30, headers=headers) as http:
        for answer in answered:
            record = http.get(f"/v1/queries/{answer['id']}")
            assert record.status_code == 200, f"answered {answer['id']} but no audit row"
            assert record.json()["response"] == answer
    # The kill left no half-written link: the whole chain still verifies.
    checked = factdesk_cli(database_url, "audit", "verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "audit chain intact" in checked.stdout
