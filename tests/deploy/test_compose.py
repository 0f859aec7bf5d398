"""docker-compose.yml: valid, wired as production needs it, and its first-start key step works.

`docker compose config` validates it where Docker's compose plugin exists; everywhere, the
structure is checked here and the key step's shell command is run against a real database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.conftest import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_docker_compose_config_accepts_it_where_docker_compose_exists() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker command here: the structure is checked by the tests below")
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if plugin.returncode != 0:
        pytest.skip("docker has no compose plugin here: the tests below check the structure")
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_service_uses_postgresql_redis_and_a_volume_for_its_data() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "factdesk", "factdesk-key"}
    environment = services["factdesk"]["environment"]
    database = make_url(
        environment["FACTDESK_DATABASE_URL"].replace("${POSTGRES_PASSWORD:-factdesk}", "pw")
    )
    assert (database.drivername, database.host, database.database) == (
        "postgresql+psycopg",
        "postgres",
        "factdesk",
    )
    assert make_url(environment["FACTDESK_REDIS_URL"]).host == "redis"
    assert "factdesk-data:/app/var" in services["factdesk"]["volumes"]  # the Dockerfile's VOLUME
    assert services["factdesk-key"]["environment"] == environment  # the same database
    declared = set(compose["volumes"])
    for service in services.values():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in declared, mount
        for needed in service.get("depends_on", {}):
            assert needed in services
    assert services["factdesk"]["depends_on"]["factdesk-key"] == {
        "condition": "service_completed_successfully"
    }
    # The image can reach PostgreSQL: the Dockerfile installs the postgres extra by default.
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG EXTRAS=postgres\n" in dockerfile
    assert '".[${EXTRAS}]"' in dockerfile


def test_the_first_start_step_creates_one_admin_key_and_no_more(tmp_path: Path) -> None:
    command = _compose()["services"]["factdesk-key"]["command"][-1].replace("$$", "$")
    factdesk = Path(sys.executable).parent / "factdesk"
    env = {
        **os.environ,
        "PATH": f"{factdesk.parent}:{os.environ['PATH']}",
        "FACTDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'factdesk.db'}",
    }
    first = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1].startswith("fdk_")  # the key, shown once
    again = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "fdk_" not in again.stdout
    listed = subprocess.run(
        [str(factdesk), "keys", "list"], env=env, capture_output=True, text=True, check=True
    )
    assert len([line for line in listed.stdout.splitlines() if " active" in line]) == 1
    assert " admin " in listed.stdout
