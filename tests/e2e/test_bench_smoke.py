"""Each bench script still runs (tiny sizes; the figures themselves are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHIPPED_STANCE_MODEL

pytestmark = pytest.mark.slow


def run(module: str, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_stance_cost() -> None:
    out = run("bench.stance_cost", "--model", str(SHIPPED_STANCE_MODEL), "--rounds", "1")
    assert "fp32: batch of 8: p50" in out
    assert "int8 vs fp32 at batch 8" in out


@pytest.mark.usefixtures("shared_dir")
def test_stance_benchmarks() -> None:
    out = run("bench.stance_benchmarks", "--model", str(SHIPPED_STANCE_MODEL), "--limit", "6")
    assert "| MultiNLI dev mismatched (3-way) | 6 |" in out


def test_abstention(monkeypatch: pytest.MonkeyPatch, real_index_dir: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    out = run("bench.abstention", "--count", "4", "--json", str(tmp_path / "abstention.json"))
    assert "| off-topic claims | 40 |" in out
    figures = json.loads((tmp_path / "abstention.json").read_text(encoding="utf-8"))
    assert set(figures) == {"random strings", "word salad (corpus words)", "off-topic claims"}


def test_latency(monkeypatch: pytest.MonkeyPatch, real_index_dir: Path) -> None:
    # The server it starts inherits this: no index is built inside the checkout.
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    out = run("bench.latency", "--requests", "3", "--warmup", "1")
    assert "latency ms: p50" in out


def test_scale() -> None:
    out = run("bench.scale", "--sizes", "3000", "--queries", "10", "--nprobe", "4")
    assert "ivf_sq8" in out
    assert "recall@10" in out


def _tiny_claims(tmp_path: Path, shared_dir: Path) -> Path:
    lines = (shared_dir / "claims" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    return claims


def _tiny_scifact(tmp_path: Path, shared_dir: Path) -> Path:
    source = shared_dir / "benchmarks" / "scifact"
    claims = [json.loads(line) for line in (source / "claims_dev.jsonl").open(encoding="utf-8")]
    claims = [c for c in claims if c.get("evidence")][:2]
    wanted = {int(doc) for c in claims for doc in c["evidence"]}
    corpus: list[str] = []
    with (source / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            if doc["doc_id"] in wanted or len(corpus) < 20:
                corpus.append(line)
    out = tmp_path / "scifact"
    out.mkdir()
    (out / "corpus.jsonl").write_text("".join(corpus), encoding="utf-8")
    (out / "claims_dev.jsonl").write_text(
        "".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8"
    )
    return out


def test_retrieval_and_index_build(
    monkeypatch: pytest.MonkeyPatch, real_index_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    scifact = _tiny_scifact(tmp_path, shared_dir)
    out = run(
        "bench.retrieval",
        "--claims",
        str(_tiny_claims(tmp_path, shared_dir)),
        "--scifact",
        str(scifact),
        "--scifact-index",
        str(tmp_path / "scifact-index"),
    )
    assert "hybrid" in out
    assert "SciFact dev" in out
    out = run("bench.index_build", "--scifact", str(scifact), "--json", str(tmp_path / "b.json"))
    assert json.loads((tmp_path / "b.json").read_text())["passages_per_s"] > 0


def test_accuracy_topk_and_concurrency(
    monkeypatch: pytest.MonkeyPatch, real_index_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    claims = str(_tiny_claims(tmp_path, shared_dir))
    out = run("bench.accuracy_topk", "--claims", claims, "--top-k", "1", "3")
    assert "citation hit" in out
    result = tmp_path / "c.json"
    out = run(
        "bench.concurrency", "--claims", claims, "--clients", "1", "2", "--requests", "4",
        "--json", str(result),
    )  # fmt: skip
    figures = json.loads(result.read_text())
    assert {r["server"] for r in figures["rounds"]} == {"factdesk", "baseline"}
    assert figures["verdicts_stable_across_clients"] is True
    assert "factdesk/baseline throughput at 2 clients" in out


def test_soak(monkeypatch: pytest.MonkeyPatch, real_index_dir: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    out = run(
        "bench.soak", "--database", "sqlite", "--clients", "1", "--minutes", "0.4",
        "--outage-s", "2", "--json", str(tmp_path / "soak.json"),
    )  # fmt: skip
    assert " 0 audit rows lost; chain: audit chain intact" in out
    figures = json.loads((tmp_path / "soak.json").read_text(encoding="utf-8"))
    assert figures["answers"] > 0
    assert figures["rss"]


@pytest.mark.usefixtures("shared_dir")
def test_same_document_neutrals(tmp_path: Path) -> None:
    out = run(
        "bench.same_document_neutrals", "--model", str(SHIPPED_STANCE_MODEL), "--limit", "12",
        "--json", str(tmp_path / "sdn.json"),
    )  # fmt: skip
    assert "non_rationale_sentences (12 pairs)" in out
    figures = json.loads((tmp_path / "sdn.json").read_text(encoding="utf-8"))
    assert 0.0 <= figures["non_rationale_sentences"]["model"]["neutral"] <= 1.0


def test_vector_store(tmp_path: Path) -> None:
    out = run(
        "bench.vector_store", "--sizes", "2000", "--queries", "10",
        "--real-index", str(tmp_path / "none"), "--json", str(tmp_path / "vector_store.json"),
    )  # fmt: skip
    assert "milvus  HNSW" in out
    rows = json.loads((tmp_path / "vector_store.json").read_text(encoding="utf-8"))
    assert {row["store"] for row in rows} == {"faiss", "milvus"}
