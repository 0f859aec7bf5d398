"""Milvus against FAISS on the same vectors: recall@10 against exact search, search latency,
and what a passage costs in memory and on disk.

`python -m bench.vector_store [--sizes 100000] [--real-index var/index-scifact] [--json OUT]`

Each corpus's vectors go into a fresh milvus-lite (the embedded Milvus, through the same
client and collection layout factdesk uses: index/milvus.py, the configured HNSW parameters)
and into the FAISS index factdesk builds by default at that size; both are searched with the
same queries, one at a time, through factdesk's own search parts (what a claim costs), and
recall@10 is measured against exact (flat) search. Synthetic corpora are bench.scale's
(clustered unit vectors of MiniLM's dimension); "(real)" is a built index's vectors with its
sentences as queries (SciFact's: `factdesk index build --corpus ... --out var/index-scifact`).
Memory: the growth of this process's RSS while the collection is loaded (milvus-lite runs in
this process); disk: the size of its data folder. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale import real_vectors, synthetic_vectors, topic_centres
from factdesk.core.settings import IndexSettings, Settings
from factdesk.wiring import index_spec
from index.backends import build_vector_index
from index.milvus import MilvusVectors, milvus_index_spec
from index.store import SearchPart

K = 10


@dataclass(frozen=True)
class Row:
    corpus: str
    passages: int
    store: str
    index: str
    load_s: float
    p50_ms: float
    p99_ms: float
    recall_at_10: float
    memory_bytes_per_passage: float
    disk_bytes_per_passage: float

    def format(self) -> str:
        return (
            f"{self.corpus:<22} {self.passages:>9,}  {self.store:<7} {self.index:<6} "
            f"load {self.load_s:7.1f} s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms  "
            f"recall@10 {self.recall_at_10:.3f}  {self.memory_bytes_per_passage:7.0f} B/passage "
            f"in memory  {self.disk_bytes_per_passage:7.0f} B/passage on disk"
        )


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _timed_search(part: Any, probe: np.ndarray) -> tuple[list[float], np.ndarray]:
    samples: list[float] = []
    found = np.full((len(probe), K), -1, dtype=np.int64)
    for row, query in enumerate(probe):
        started = time.perf_counter()
        _, positions = part.search(query[None, :], K)
        samples.append((time.perf_counter() - started) * 1000)
        found[row, : positions.shape[1]] = positions[0][:K]
    return samples, found


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact, strict=True))
    return hits / exact.size


def measure(corpus: str, vectors: np.ndarray, probe: np.ndarray) -> list[Row]:
    settings = Settings(index=IndexSettings())
    spec = index_spec(settings)
    count = len(vectors)
    flat, _, _ = build_vector_index(
        index_spec(Settings(index=IndexSettings(index_type="flat"))), vectors
    )
    _, exact = flat.search(probe, K)
    del flat
    rows: list[Row] = []

    before = _rss_bytes()
    started = time.perf_counter()
    faiss_index, kind, _ = build_vector_index(spec, vectors)
    faiss_s = time.perf_counter() - started
    part = SearchPart.whole(faiss_index)
    samples, found = _timed_search(part, probe)
    import faiss

    rows.append(
        Row(corpus, count, "faiss", kind, faiss_s, statistics.median(samples),
            float(np.percentile(samples, 99)), _recall(found, exact),
            (_rss_bytes() - before) / count, len(faiss.serialize_index(faiss_index)) / count)
    )  # fmt: skip
    del part, faiss_index

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "milvus.db"
        before = _rss_bytes()
        started = time.perf_counter()
        milvus_spec = milvus_index_spec(spec)
        store = MilvusVectors(str(folder), "bench", vectors.shape[1], milvus_spec)
        documents = [f"d{row // 4}" for row in range(count)]
        store.put("bench", documents, vectors, [], np.zeros((0, vectors.shape[1])))
        positions = {"bench": np.arange(count, dtype=np.int64)}
        search = store.search_part(positions, {})
        search.search(probe[:1], K)  # the index is built on the first search
        milvus_s = time.perf_counter() - started
        samples, found = _timed_search(search, probe)
        rows.append(
            Row(corpus, count, "milvus", milvus_spec.index_type, milvus_s,
                statistics.median(samples), float(np.percentile(samples, 99)),
                _recall(found, exact), (_rss_bytes() - before) / count,
                _folder_bytes(folder) / count)
        )  # fmt: skip
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-index", type=Path, default=Path("var/index-scifact"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    rows: list[Row] = []
    if (args.real_index / "index.faiss").exists():
        vectors, probe = real_vectors(args.real_index, args.queries, args.seed)
        rows += measure(f"{args.real_index.name} (real)", vectors, probe)
        print(rows[-2].format(), rows[-1].format(), sep="\n", flush=True)
    for size in args.sizes:
        centres = topic_centres(size, args.seed)
        vectors = synthetic_vectors(size, args.seed + 1, centres)
        probe = synthetic_vectors(args.queries, args.seed + 2, centres)
        rows += measure("synthetic", vectors, probe)
        print(rows[-2].format(), rows[-1].format(), sep="\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
