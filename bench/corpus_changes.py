"""A corpus that changes under two running replicas: how long until a document is found.

`python -m bench.corpus_changes [--rounds N] [--json OUT]`

Two `factdesk serve` processes (the real models, the sample corpus's index) share one
PostgreSQL database, each with its own segments folder. Each round adds a news-length
article through replica A and times: the POST (the article is embedded and the new version
loaded before the 201), the first claim about it answered from A (citing it), and how long
until replica B answers from the same version (it polls every FACTDESK_VERSION_POLL_S);
then the DELETE and B's catching up again. Every answer is checked, not only timed: a round
whose claim is not cited by A, or by B once it has the version, fails the benchmark.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench.server import Server
from factdesk.core.settings import Settings
from factdesk.wiring import corpus_path, index_spec, load_embedder
from index.corpus import load_corpus
from index.store import build_index

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# About 650 words, as a wire story is: a lede with the fact, then paragraphs of background.
BACKGROUND = (
    "Officials from both countries described the talks as constructive and said that "
    "working groups would meet again before the end of the year. Analysts noted that the "
    "agreement follows several years of negotiations over pricing, financing and the "
    "technical standards that the two sides apply to large infrastructure projects. "
    "Industry representatives welcomed the news but cautioned that timelines for projects "
    "of this size often slip, and that the final investment decision depends on approvals "
    "that have not yet been granted. "
)


def article(round_: int) -> tuple[dict[str, Any], str]:
    site = ["Xudapu", "Tianwan", "Sanaocun", "Haiyang", "Lianjiang"][round_ % 5]
    lede = (
        f"Rosatom and the China National Nuclear Corporation signed a contract in round "
        f"{round_} to build two VVER-1200 reactors at the {site} nuclear plant. "
    )
    document = {
        "id": f"wire-{round_}-{uuid.uuid4().hex[:6]}",
        "title": f"Rosatom to build reactors at {site}",
        "text": lede + BACKGROUND * 8,
        "publisher": "Example Wire",
    }
    return document, f"Rosatom signed a contract to build two reactors at the {site} plant."


def _database() -> tuple[str, Any]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"factdesk_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def _drop(handle: Any) -> None:
    admin, name = handle
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _verify(client: httpx.Client, claim: str) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"claim": claim})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _until_version(client: httpx.Client, claim: str, version: int, limit_s: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if _verify(client, claim)["index"]["version"] >= version:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError(f"replica B did not load version {version} within {limit_s} s")


def _round(a: httpx.Client, b: httpx.Client, number: int) -> dict[str, float]:
    document, claim = article(number)
    started = time.perf_counter()
    added = a.post("/v1/documents", json=document)
    added.raise_for_status()
    post_s = time.perf_counter() - started
    version = added.json()["version"]
    answer = _verify(a, claim)
    searchable_s = time.perf_counter() - started
    if not any(c["document_id"] == document["id"] for c in answer["citations"]):
        raise RuntimeError(f"round {number}: replica A did not cite the new article")
    converge_s = _until_version(b, claim, version)
    if not any(c["document_id"] == document["id"] for c in _verify(b, claim)["citations"]):
        raise RuntimeError(f"round {number}: replica B did not cite the new article")
    started = time.perf_counter()
    deleted = a.delete(f"/v1/documents/{document['id']}")
    deleted.raise_for_status()
    delete_s = time.perf_counter() - started
    delete_converge_s = _until_version(b, claim, int(deleted.headers["x-index-version"]))
    return {
        "words": len(document["text"].split()),
        "passages": added.json()["document"]["passages"],
        "post_s": post_s,
        "searchable_s": searchable_s,
        "converge_s": converge_s,
        "delete_s": delete_s,
        "delete_converge_s": delete_converge_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    database_url, handle = _database()
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            index_dir = folder / "index"
            documents = load_corpus(corpus_path(settings))
            build_index(documents, load_embedder(settings), index_spec(settings), index_dir)
            for name in ("a", "b"):
                env = {
                    "FACTDESK_DATABASE_URL": database_url,
                    "FACTDESK_INDEX_DIR": str(index_dir),
                    "FACTDESK_SEGMENTS_DIR": str(folder / f"segments-{name}"),
                    "FACTDESK_AUTH": "off",
                }
                servers.append(Server(env, folder / f"server-{name}.log"))
            for server in servers:
                server.start()
            with (
                httpx.Client(base_url=servers[0].url, timeout=120) as a,
                httpx.Client(base_url=servers[1].url, timeout=120) as b,
            ):
                rounds = [_round(a, b, number) for number in range(args.rounds)]
    finally:
        for server in servers:
            server.stop()
        _drop(handle)
    figures: dict[str, Any] = {
        "rounds": rounds,
        "poll_s": settings.index.version_poll_s,
        "median": {
            key: round(statistics.median(r[key] for r in rounds), 3)
            for key in ("post_s", "searchable_s", "converge_s", "delete_s", "delete_converge_s")
        },
        "max_searchable_s": round(max(r["searchable_s"] for r in rounds), 3),
        "max_converge_s": round(max(r["converge_s"] for r in rounds), 3),
    }
    words = rounds[0]["words"]
    print(f"{args.rounds} rounds, a {words}-word article each, replicas polling every "
          f"{figures['poll_s']:g} s")  # fmt: skip
    for key, value in figures["median"].items():
        print(f"median {key}: {value:.3f}")
    print(
        f"worst: searchable on A {figures['max_searchable_s']:.3f} s after the POST began, "
        f"answered by B {figures['max_converge_s']:.3f} s after the 201"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
