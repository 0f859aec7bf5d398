"""Dense vs. BM25 vs. hybrid retrieval on SciFact and on the sample corpus.

`python -m bench.retrieval [--scifact DIR] [--claims FILE] [--json OUT]`

* SciFact dev: recall@k of the gold abstracts among the documents of the top-k passages
  (the index is var/index-scifact, built as `factdesk eval scifact` builds it);
* sample corpus: recall@k of the gold evidence quotes of ../shared/claims/dev.jsonl, a hit
  being a retrieved passage that overlaps the quote's span (the service's index).
Also prints the mean search time per claim of each mode (claim embedding excluded).
``+rrN`` rows re-rank the mode's top N passages by their best sentence
(FACTDESK_RERANK_DEPTH).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluation.claims import read_claims
from evaluation.claims_eval import gold_spans
from evaluation.scifact import load_scifact_claims, load_scifact_corpus
from factdesk.core.settings import Settings
from factdesk.wiring import index_spec, load_embedder, open_index
from index.embedding import Embedder
from index.retrieval import RETRIEVAL_MODES, make_retriever
from index.store import LoadedIndex, build_index, load_index

KS = (1, 3, 5, 10, 20)


@dataclass(frozen=True)
class Query:
    claim: str
    gold: list[tuple[str, int, int]]  # (document, start, end); whole document: (doc, 0, -1)


def recall_table(
    index: LoadedIndex, embedder: Embedder, queries: Sequence[Query], rerank_depth: int
) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    vectors = [
        embedder.embed_queries([q.claim]) for q in queries
    ]  # embedded once, outside the timings
    variants = [(mode, 0) for mode in RETRIEVAL_MODES] + [
        (mode, rerank_depth) for mode in ("dense", "hybrid") if rerank_depth
    ]
    for mode, depth in variants:
        name = f"{mode}+rr{depth}" if depth else mode
        retriever = make_retriever(mode, index, depth)
        found = dict.fromkeys(KS, 0)
        started = time.perf_counter()
        for query, vector in zip(queries, vectors, strict=True):
            hits = retriever.retrieve(query.claim, vector, max(KS))
            for k in KS:
                passages = [h.passage for h in hits[:k]]
                found[k] += sum(
                    any(
                        p.document_id == doc and (end < 0 or (p.start < end and p.end > start))
                        for p in passages
                    )
                    for doc, start, end in query.gold
                )
        search_ms = (time.perf_counter() - started) * 1000 / len(queries)
        gold = sum(len(q.gold) for q in queries)
        table[name] = {f"recall@{k}": round(found[k] / gold, 4) for k in KS}
        table[name]["search_ms"] = round(search_ms, 2)
    return table


def scifact_queries(directory: Path) -> list[Query]:
    return [
        Query(c.claim, [(doc, 0, -1) for doc in c.evidence])
        for c in load_scifact_claims(directory / "claims_dev.jsonl")
        if c.evidence
    ]


def print_table(name: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{name}")
    print("mode          " + "  ".join(f"{f'R@{k}':>6}" for k in KS) + "  search ms")
    for mode, row in table.items():
        cells = "  ".join(f"{row[f'recall@{k}']:>6.3f}" for k in KS)
        print(f"{mode:<13} {cells}  {row['search_ms']:>9.2f}")


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--scifact", type=Path, default=settings.tooling.shared_dir / "benchmarks/scifact"
    )
    parser.add_argument("--scifact-index", type=Path, default=Path("var/index-scifact"))
    parser.add_argument(
        "--claims", type=Path, default=settings.tooling.shared_dir / "claims/dev.jsonl"
    )
    parser.add_argument("--skip-scifact", action="store_true")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    embedder = load_embedder(settings)
    results: dict[str, dict[str, dict[str, float]]] = {}

    sample = open_index(settings, embedder, build_if_missing=True)
    claims = read_claims(args.claims)
    queries = [Query(c.claim, gold_spans(c, sample.documents)) for c in claims]
    results["sample"] = recall_table(
        sample, embedder, [q for q in queries if q.gold], settings.retrieval.rerank_depth
    )
    print_table(f"sample corpus, {len(queries)} dev claims", results["sample"])

    if not args.skip_scifact:
        index_dir = args.scifact_index
        if not (index_dir / "manifest.json").exists():
            documents = load_scifact_corpus(args.scifact / "corpus.jsonl")
            print(f"indexing {len(documents)} SciFact abstracts into {index_dir} ...", flush=True)
            build_index(documents, embedder, index_spec(settings), index_dir)
        scifact = load_index(index_dir, embedding_model=embedder.name, dimension=embedder.dimension)
        results["scifact"] = recall_table(
            scifact, embedder, scifact_queries(args.scifact), settings.retrieval.rerank_depth
        )
        print_table("SciFact dev (gold abstracts)", results["scifact"])
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
