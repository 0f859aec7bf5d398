"""A bulk import in shards: in this process, and on a local Ray instance with 1 and 2 workers.

`python -m bench.ingest [--limit N] [--workers 1 2] [--json OUT]`

The SciFact corpus (../shared/benchmarks/scifact/corpus.jsonl; `--limit` takes its first N
abstracts) is imported as one segment by index/ingest.py, each run into a fresh segment
store, with the configured embedder: in-process, then through Ray with each worker count
(each worker holds the embedder once, with an even share of the cores). It prints passages a
second while embedding (Ray's start-up and the workers' model loading counted apart), the
per-worker rate against the in-process one, and whether every run wrote the same segment
(its checksum covers every passage, sentence and vector). The same checksum means the same
index, so the same answers. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from evaluation.scifact import load_scifact_corpus
from factdesk.core.settings import Settings
from factdesk.wiring import index_spec, load_embedder
from index.corpus import Document
from index.embedding import Embedder
from index.ingest import LocalShards, RayShards, ShardRunner, import_segment
from index.store import IndexSpec
from index.versions import Segment, SegmentStore


@dataclass(frozen=True)
class Run:
    runner: str
    workers: int
    documents: int
    passages: int
    start_s: float  # Ray up and every worker's embedder loaded (0 in process)
    embed_s: float
    passages_per_s: float
    per_worker: float  # passages_per_s / workers, against the in-process rate
    checksum: str


def _import(
    embedder: Embedder, spec: IndexSpec, documents: list[Document], runner: ShardRunner,
    scratch: Path,
) -> tuple[Segment, float]:  # fmt: skip
    """One import into a fresh segment folder, timed: the embedder loaded once, here, only
    names and reads the segment (the runner embeds)."""
    store = SegmentStore(scratch, embedder, spec)
    started = time.perf_counter()
    segment = import_segment(documents, store, runner, 2000)
    return segment, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="First N abstracts (0: all).")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--keep", type=Path, help="Copy the in-process import's segment here (an index folder: "
        "bench.vector_store --real-index reads it)."
    )  # fmt: skip
    args = parser.parse_args()
    settings = Settings()
    documents = load_scifact_corpus(args.shared / "benchmarks" / "scifact" / "corpus.jsonl")
    if args.limit:
        documents = documents[: args.limit]
    cores = os.cpu_count() or 1
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as scratch:
        embedder = load_embedder(settings)
        embedder.embed(["warm up"])
        spec = SegmentStore(Path(scratch), embedder, index_spec(settings)).spec
        segment, seconds = _import(
            embedder, spec, documents, LocalShards(embedder, spec), Path(scratch) / "local"
        )
        passages = len(segment.index.passages)
        local_rate = passages / seconds
        if args.keep and not args.keep.exists():
            shutil.copytree(Path(scratch) / "local" / segment.name, args.keep)
        runs.append(Run("in-process", 1, len(documents), passages, 0.0, seconds, local_rate,
                        1.0, segment.index.manifest.checksum))  # fmt: skip
        print(f"in-process: {passages} passages in {seconds:.1f} s, {local_rate:.1f}/s", flush=True)
        for workers in args.workers:
            threads = max(1, cores // workers)
            on_worker = settings.model_copy(
                update={"embedding": settings.embedding.model_copy(update={"threads": threads})}
            )
            started = time.perf_counter()
            with RayShards(partial(load_embedder, on_worker), spec, workers) as runner:
                start_s = time.perf_counter() - started
                segment, seconds = _import(
                    embedder, spec, documents, runner, Path(scratch) / f"ray-{workers}"
                )
            rate = len(segment.index.passages) / seconds
            runs.append(Run("ray", workers, len(documents), len(segment.index.passages), start_s,
                            seconds, rate, rate / workers / local_rate,
                            segment.index.manifest.checksum))  # fmt: skip
            print(
                f"ray, {workers} worker(s): {seconds:.1f} s ({start_s:.1f} s to start), "
                f"{rate:.1f} passages/s, per worker {rate / workers / local_rate:.2f} of the "
                f"in-process rate; same segment: {runs[-1].checksum == runs[0].checksum}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")


if __name__ == "__main__":
    main()
