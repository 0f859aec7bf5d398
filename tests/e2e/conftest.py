"""End-to-end fixtures: the real packaged models, a real index, real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.server import Server
from factdesk.core.settings import Settings
from factdesk.wiring import index_spec, load_embedder
from index.corpus import load_corpus
from index.store import build_index
from tests.conftest import REPO_ROOT, SAMPLE_CORPUS, SHIPPED_STANCE_MODEL


def factdesk_cli(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`factdesk ARGS` against this audit database, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "factdesk.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "FACTDESK_DATABASE_URL": database_url, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def create_key(database_url: str, name: str, scopes: str) -> str:
    """A key made by `factdesk keys create`; its output's last line is the key."""
    done = factdesk_cli(database_url, "keys", "create", "--name", name, "--scopes", scopes)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus indexed with the packaged all-MiniLM-L6-v2."""
    settings = Settings()
    out = tmp_path_factory.mktemp("real-index") / "sample"
    build_index(load_corpus(SAMPLE_CORPUS), load_embedder(settings), index_spec(settings), out)
    return out


@pytest.fixture(scope="session")
def shipped_model() -> Path:
    assert (SHIPPED_STANCE_MODEL / "config.json").exists(), "the stance model ships in the repo"
    return SHIPPED_STANCE_MODEL


@pytest.fixture
def server_factory(
    tmp_path: Path, real_index_dir: Path, shipped_model: Path
) -> Iterator[Callable[[str], Server]]:
    servers: list[Server] = []

    def make(database_url: str) -> Server:
        server = Server(
            {
                "FACTDESK_DATABASE_URL": database_url,
                "FACTDESK_INDEX_DIR": str(real_index_dir),
                "FACTDESK_STANCE_MODEL": str(shipped_model),
            },
            tmp_path / f"server-{len(servers)}.log",
        )
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
