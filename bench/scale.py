"""FAISS at scale: query latency, memory per passage and recall@10 of approximate indexes.

`python -m bench.scale [--sizes 10000 100000 1000000] [--json OUT]`

Corpora are synthetic: unit vectors of the embedding model's dimension drawn around topic
centres (one per ~200 passages, each passage at cosine ~0.58 to its centre), the shape real
sentence embeddings have, and queries drawn the same way but not in the index. Embedding a
million real passages would take this machine hours; search cost and recall depend on the
vectors, not on the text. Indexes are built by the same code as `factdesk index build`
(index.store), and recall@10 is measured against exact (flat) search of the same vectors.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from factdesk.core.settings import IndexSettings, Settings
from factdesk.wiring import index_spec
from index.backends import build_vector_index

DIMENSION = 384  # all-MiniLM-L6-v2
_SPREAD = 1.4  # noise norm relative to the centre: cosine to the centre ~ 1 / sqrt(1 + 1.4^2)


def _spec(index_type: str) -> Any:
    """The configured index parameters, with this index type."""
    return index_spec(Settings(index=IndexSettings(index_type=index_type)))


def synthetic_vectors(count: int, seed: int, centres: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(centres), size=count)
    vectors = np.empty((count, centres.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        stop = min(count, start + 100_000)
        noise = rng.standard_normal((stop - start, centres.shape[1]), dtype=np.float32)
        noise *= _SPREAD / np.sqrt(centres.shape[1])
        block = centres[picks[start:stop]] + noise
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def topic_centres(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(50, count // 200), DIMENSION), dtype=np.float32)
    unit: np.ndarray = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    return unit


@dataclass(frozen=True)
class Row:
    passages: int
    index: str
    parameters: dict[str, int]
    build_s: float
    bytes_per_passage: float
    p50_ms: float
    p99_ms: float
    recall_at_10: float

    def format(self) -> str:
        params = ",".join(f"{k}={v}" for k, v in self.parameters.items()) or "-"
        return (
            f"{self.passages:>9,}  {self.index:<8} {params:<28} build {self.build_s:7.1f} s  "
            f"{self.bytes_per_passage:7.0f} B/passage  p50 {self.p50_ms:6.2f} ms  "
            f"p99 {self.p99_ms:6.2f} ms  recall@10 {self.recall_at_10:.3f}"
        )


def _latencies(index: Any, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    samples: list[float] = []
    found = np.empty((len(queries), k), dtype=np.int64)
    for row, query in enumerate(queries):
        started = time.perf_counter()
        _, positions = index.search(query[None, :], k)
        samples.append((time.perf_counter() - started) * 1000)
        found[row] = positions[0]
    return samples, found


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact, strict=True))
    return hits / exact.size


def measure_size(count: int, queries: int, nprobes: list[int], seed: int) -> list[Row]:
    centres = topic_centres(count, seed)
    vectors = synthetic_vectors(count, seed + 1, centres)
    probe = synthetic_vectors(queries, seed + 2, centres)
    return measure(vectors, probe, nprobes)


def real_vectors(index_dir: Path, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A built index's passage vectors, and some of its sentence vectors as queries.

    Real embeddings are less clustered than the synthetic ones; this checks the approximate
    index's recall where it matters, at the size of a real corpus (SciFact: ~24k passages).
    """
    import faiss

    flat = faiss.read_index(str(index_dir / "index.faiss"))
    vectors = flat.reconstruct_n(0, flat.ntotal)
    sentences = np.load(index_dir / "sentences.npy").astype(np.float32)
    rows = np.random.default_rng(seed).choice(len(sentences), size=queries, replace=False)
    return vectors, sentences[rows]


def measure(vectors: np.ndarray, probe: np.ndarray, nprobes: list[int]) -> list[Row]:
    import faiss

    count = len(vectors)
    rows: list[Row] = []

    def add(kind: str, index: Any, params: dict[str, int], build_s: float) -> np.ndarray:
        samples, found = _latencies(index, probe, 10)
        size = len(faiss.serialize_index(index))
        rows.append(
            Row(
                count,
                kind,
                params,
                build_s,
                size / count,
                statistics.median(samples),
                float(np.percentile(samples, 99)),
                _recall(found, exact) if kind != "flat" else 1.0,
            )
        )
        return found

    started = time.perf_counter()
    flat, _, _ = build_vector_index(_spec("flat"), vectors)
    flat_s = time.perf_counter() - started
    _, exact = flat.search(probe, 10)
    add("flat", flat, {}, flat_s)
    del flat

    started = time.perf_counter()
    ivf, _, params = build_vector_index(_spec("ivf_sq8"), vectors)
    ivf_s = time.perf_counter() - started
    for nprobe in nprobes:
        ivf.nprobe = nprobe
        add("ivf_sq8", ivf, {**params, "nprobe": nprobe}, ivf_s)
    del ivf

    if count <= 100_000:
        started = time.perf_counter()
        hnsw, _, params = build_vector_index(_spec("hnsw"), vectors)
        add("hnsw", hnsw, params, time.perf_counter() - started)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, dest="json_out")
    parser.add_argument(
        "--real-index",
        type=Path,
        default=Path("var/index-scifact"),
        help="Also measure a built index's real vectors (skipped when absent).",
    )
    args = parser.parse_args()
    rows: list[Row] = []
    if (args.real_index / "index.faiss").exists():
        vectors, probe = real_vectors(args.real_index, args.queries, args.seed)
        print(f"real vectors of {args.real_index}, its sentences as {args.queries} queries")
        for row in measure(vectors, probe, args.nprobe):
            print(row.format(), flush=True)
            rows.append(dataclasses.replace(row, index=f"{row.index} (real)"))
    print(f"synthetic {DIMENSION}-d corpora, {args.queries} single queries, top 10")
    for count in args.sizes:
        for row in measure_size(count, args.queries, args.nprobe, args.seed):
            print(row.format(), flush=True)
            rows.append(row)
    if args.json_out:
        args.json_out.write_text(json.dumps([vars(r) for r in rows], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
