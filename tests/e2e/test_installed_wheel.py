"""factdesk runs from its wheel, not only from a checkout: models, corpus and migrations are
package data. The wheel is installed into a folder of its own and run from another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

_READY = """
from fastapi.testclient import TestClient
import factdesk
from service.app import create_app
assert factdesk.__file__.startswith({site!r}), factdesk.__file__
with TestClient(create_app(), base_url="http://localhost") as client:
    assert client.get("/readyz").status_code == 200
    assert client.post("/v1/verify", json={{"claim": "x y"}}).status_code == 401
    _, key = client.app.state.runtime.keys.create("wheel", frozenset({{"verify"}}))
    client.headers["Authorization"] = "Bearer " + key
    body = client.post("/v1/verify", json={{"claim": "Power of Siberia 2 was agreed."}}).json()
    print(body["verdict"], body["models"]["stance"]["name"])
"""


def test_the_wheel_serves_the_sample_corpus_from_outside_the_checkout(tmp_path: Path) -> None:
    dist, site, work = tmp_path / "dist", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO_ROOT)],
        check=True,
        cwd=tmp_path,
    )
    wheels = list(dist.glob("factdesk-*.whl"))
    assert len(wheels) == 1
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheels[0])], check=True
    )
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    env.pop("FACTDESK_INDEX_DIR", None)
    env.pop("FACTDESK_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _READY.format(site=str(site))],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["REFUTED", "pkg:factdesk/models/stance-minilm-l6"]
    assert (work / "var" / "index" / "manifest.json").exists()  # built from the packaged corpus
