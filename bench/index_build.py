"""Index build throughput (passages/s) and memory, as `factdesk index build` does it.

`python -m bench.index_build [--corpus PATH | --scifact DIR] [--limit N] [--json OUT]`

Default corpus: the SciFact abstracts (5,183 documents), large enough for a steady rate;
`--corpus` takes any directory or JSONL corpus. The artifacts go to a temporary directory.
Memory is the process's peak resident set (ru_maxrss) with the model loaded and after the
build, and the on-disk size of the artifacts per passage. Unless `--no-baseline`, the same
documents are built again, in the same process, the way builds ran before embedding got its
precision and batch-size settings (fp32, 64 texts a pass): the ratio is the speed-up. The
documents are also built with the other FACTDESK_PASSAGE_VECTORS ("encode": each passage
embedded; "sentence_mean": its sentences' mean, one encoder pass), so the two are compared
in the same process; bench.retrieval measures what the choice costs in recall.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from evaluation.scifact import load_scifact_corpus
from factdesk.core.settings import EmbeddingSettings, Settings
from factdesk.wiring import index_spec, load_embedder
from index.corpus import load_corpus
from index.store import build_index


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path)
    parser.add_argument(
        "--scifact", type=Path, default=settings.tooling.shared_dir / "benchmarks/scifact"
    )
    parser.add_argument("--limit", type=int, help="Only the first N documents.")
    parser.add_argument("--json", type=Path, dest="json_out")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.corpus:
        documents, name = load_corpus(args.corpus), str(args.corpus)
    else:
        documents, name = load_scifact_corpus(args.scifact / "corpus.jsonl"), "SciFact corpus"
    documents = documents[: args.limit] if args.limit else documents
    embedder = load_embedder(settings)
    embedder.embed(["warm-up"])
    rss_loaded = peak_rss_mib()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "index"
        started = time.perf_counter()
        manifest = build_index(documents, embedder, index_spec(settings), out)
        wall_s = time.perf_counter() - started
        disk = sum(p.stat().st_size for p in out.iterdir())
        # The other way of giving passages their vectors, in the same process.
        configured = settings.index.passage_vectors
        other = "sentence_mean" if configured == "encode" else "encode"
        other_settings = settings.model_copy(
            update={"index": settings.index.model_copy(update={"passage_vectors": other})}
        )
        started = time.perf_counter()
        build_index(documents, embedder, index_spec(other_settings), out.with_name("other"))
        seconds = {configured: wall_s, other: time.perf_counter() - started}
        baseline_s = None
        if not args.no_baseline:
            before = settings.model_copy(
                update={"embedding": EmbeddingSettings(precision="fp32", batch_size=64)}
            )
            started = time.perf_counter()
            build_index(documents, load_embedder(before), index_spec(before), out.with_name("b"))
            baseline_s = time.perf_counter() - started
    figures = {
        "corpus": name,
        "documents": len(documents),
        "passages": manifest.count,
        "index_type": manifest.index_type,
        "wall_s": round(wall_s, 1),
        "passages_per_s": round(manifest.count / wall_s, 1),
        "peak_rss_mib_model_loaded": round(rss_loaded, 1),
        "peak_rss_mib_after_build": round(peak_rss_mib(), 1),
        "artifact_bytes_per_passage": round(disk / manifest.count),
        "embedding_threads": settings.embedding.threads,
        "embedding_precision": "bf16" if embedder.bf16 else "fp32",
        "embedding_batch_size": settings.embedding.batch_size,
        "passage_vectors": settings.index.passage_vectors,
    }
    for mode, mode_s in seconds.items():
        figures[f"{mode}_passages_per_s"] = round(manifest.count / mode_s, 1)
    figures["sentence_mean_speedup"] = round(seconds["encode"] / seconds["sentence_mean"], 2)
    if baseline_s is not None:
        figures["baseline_passages_per_s"] = round(manifest.count / baseline_s, 1)
        figures["speedup"] = round(baseline_s / wall_s, 2)
    print(
        f"{name}: {len(documents)} documents, {manifest.count} passages "
        f"({manifest.index_type}) in {wall_s:.1f} s = {figures['passages_per_s']} passages/s"
    )
    print(
        f"peak RSS {figures['peak_rss_mib_model_loaded']} MiB with the model loaded, "
        f"{figures['peak_rss_mib_after_build']} MiB after the build; artifacts "
        f"{figures['artifact_bytes_per_passage']} bytes/passage on disk"
    )
    print(
        f"passage vectors encoded: {figures['encode_passages_per_s']} passages/s; as the mean "
        f"of their sentences' (one encoder pass): {figures['sentence_mean_passages_per_s']} "
        f"passages/s, {figures['sentence_mean_speedup']}x (configured: {configured})"
    )
    if baseline_s is not None:
        print(
            f"baseline (fp32, batches of 64): {figures['baseline_passages_per_s']} passages/s; "
            f"this build {figures['speedup']}x faster"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
