"""Verdict quality and latency against top_k, on labelled claims over the service's corpus.

`python -m bench.accuracy_topk [--claims FILE] [--top-k 1 3 5 10 20] [--json OUT]`

In-process, the configured models and index, the answer cache off. For each top_k: accuracy,
macro-F1, citation hit rate and p50 latency of `factdesk eval claims`.
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path
from typing import Any

from evaluation.claims import read_claims
from evaluation.claims_eval import as_answer, evaluate_claims
from factdesk.core.resources import resolve_path
from factdesk.core.settings import Settings
from factdesk.wiring import build_verifier, load_embedder, load_stance, make_judge, open_index
from index.corpus import load_corpus
from verify.verifier import Verifier


def _answer(verifier: Verifier, claim: str, top_k: int) -> dict[str, Any]:
    return as_answer(verifier.verify(claim, top_k))


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--claims", type=Path, default=settings.tooling.shared_dir / "claims/dev.jsonl"
    )
    parser.add_argument("--top-k", type=int, nargs="+", default=[1, 3, 5, 10, 20])
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    embedder = load_embedder(settings)
    index = open_index(settings, embedder, build_if_missing=True)
    judges = [make_judge(settings, load_stance(settings))]
    verifier = build_verifier(settings, embedder, index, judges, answer_cache=False)
    claims = read_claims(args.claims)
    documents = load_corpus(resolve_path(settings.index.corpus_dir))
    rows = []
    print(f"{len(claims)} claims from {args.claims}")
    print("top_k  accuracy  macro-F1  citation hit  p50 ms")
    for k in args.top_k:
        result = evaluate_claims(claims, documents, partial(_answer, verifier, top_k=k))
        row = {
            "top_k": k,
            "accuracy": round(result.report.accuracy, 4),
            "macro_f1": round(result.report.macro_f1, 4),
            "citation_hit": round(result.citation_hit_rate, 4),
            "p50_ms": round(result.latency_ms["p50"], 1),
        }
        rows.append(row)
        print(
            f"{k:>5}  {row['accuracy']:>8.4f}  {row['macro_f1']:>8.4f}  "
            f"{row['citation_hit']:>12.4f}  {row['p50_ms']:>6.1f}",
            flush=True,
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
