"""factdesk runs from its wheel, not only from a checkout: models, corpus and migrations are
package data. The wheel is installed into a folder of its own and run from another, seeing
only the packages a production install would bring (its dependencies without the extras):
the dev tools' dependencies, which happen to be in this environment, are out of its reach."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

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
    _, admin = client.app.state.runtime.keys.create("desk", frozenset({{"admin"}}))
    page = (
        "<html><head><title>Harbin expo opens</title></head><body><nav>Home | World</nav>"
        "<article><h1>Harbin expo opens</h1><p>On May 17, Vladimir Putin opened the eighth "
        "Russian-Chinese Expo in Harbin together with Chinese Premier Li Qiang. Thousands of "
        "visitors came to see the stands of companies from both countries.</p></article>"
        "</body></html>"
    )
    added = client.post(
        "/v1/documents",
        headers={{"Authorization": "Bearer " + admin}},
        files={{"file": ("harbin.html", page.encode(), "text/html")}},
    )
    assert added.status_code == 201, added.text
    print(added.json()["document"]["title"].replace(" ", "_"))
"""


def _runtime_closure() -> dict[str, metadata.Distribution]:
    """factdesk's dependencies and theirs (with the extras they name), without factdesk's own
    extras: what `pip install factdesk` brings."""
    found: dict[str, metadata.Distribution] = {}
    followed: set[tuple[str, str]] = set()
    todo: list[tuple[str, str]] = [("factdesk", "")]
    while todo:
        name, extra = todo.pop()
        key = name.lower().replace("_", "-")
        if (key, extra) in followed:
            continue
        followed.add((key, extra))
        try:
            distribution = found.setdefault(key, metadata.distribution(name))
        except metadata.PackageNotFoundError:
            continue
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                todo += [(requirement.name, e) for e in ("", *requirement.extras)]
    return found


def _production_site(farm: Path) -> Path:
    """A folder of links to just the runtime closure's files (factdesk itself left out: the
    wheel brings it)."""
    farm.mkdir()
    for key, distribution in _runtime_closure().items():
        if key == "factdesk":
            continue
        root = Path(str(distribution.locate_file("")))
        for entry in {path.parts[0] for path in distribution.files or [] if path.parts}:
            if entry != ".." and not (farm / entry).exists() and (root / entry).exists():
                (farm / entry).symlink_to(root / entry)
    return farm


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
    production = _production_site(tmp_path / "production-site")
    env = {**os.environ, "PYTHONPATH": f"{site}:{production}", "HF_HUB_OFFLINE": "1"}
    env.pop("FACTDESK_INDEX_DIR", None)
    env.pop("FACTDESK_DATABASE_URL", None)
    done = subprocess.run(
        # -S: no site-packages of this environment, only the wheel and its dependencies.
        [sys.executable, "-S", "-c", _READY.format(site=str(site))],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [
        "REFUTED",
        "pkg:factdesk/models/stance-minilm-l6",
        "Harbin_expo_opens",
    ]
    assert (work / "var" / "index" / "manifest.json").exists()  # built from the packaged corpus
