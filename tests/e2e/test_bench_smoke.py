"""Each bench script still runs (tiny sizes; the figures themselves are not asserted)."""

from __future__ import annotations

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
    assert "batch of 8: p50" in out and "batching speed-up" in out


def test_stance_benchmarks(shared_dir: object) -> None:
    out = run("bench.stance_benchmarks", "--model", str(SHIPPED_STANCE_MODEL), "--limit", "6")
    assert "| MultiNLI dev mismatched (3-way) | 6 |" in out


def test_latency(monkeypatch: pytest.MonkeyPatch, real_index_dir: Path) -> None:
    # The server it starts inherits this: no index is built inside the checkout.
    monkeypatch.setenv("FACTDESK_INDEX_DIR", str(real_index_dir))
    out = run("bench.latency", "--requests", "3", "--warmup", "1")
    assert "latency ms: p50" in out
