"""Shared fixtures. Tests never reach a model hub: everything loads from local paths."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.fakes import FakeStanceModel
from verify.labels import Stance

# Test configuration, not application configuration: the app reads only factdesk.Settings.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
SHIPPED_STANCE_MODEL = REPO_ROOT / "factdesk" / "models" / "stance-minilm-l6"
SAMPLE_CORPUS = REPO_ROOT / "factdesk" / "corpus" / "sample"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _segments_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments of added documents go to the test's own folder, never the checkout's var/."""
    monkeypatch.setenv("FACTDESK_SEGMENTS_DIR", str(tmp_path / "segments"))


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    """A Milvus server on loopback (`milvus-lite server`, the same gRPC API as a cluster),
    which several processes share; its URI."""
    pytest.importorskip("pymilvus")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "milvus.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "milvus"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"milvus-lite server did not start: {server.returncode}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "training").is_dir():
        pytest.skip(f"needs the shared training data beside the repository ({SHARED})")
    return SHARED


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database alone."""
    yield from _postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh audit database: a SQLite file, and a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        yield from _postgres_database()
