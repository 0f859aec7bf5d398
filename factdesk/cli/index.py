"""``factdesk index``: build index artifacts."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from factdesk.cli._common import Commands, ProgressBars
from factdesk.core.settings import Settings
from factdesk.wiring import corpus_path, index_spec, load_embedder
from index.corpus import load_corpus
from index.store import build_index


def _build(args: argparse.Namespace, settings: Settings) -> int:
    # An absolute path, so the index names its corpus wherever it is served from.
    corpus = args.corpus.resolve() if args.corpus else corpus_path(settings)
    out = args.out or settings.index.index_dir
    documents = load_corpus(corpus)
    embedder = load_embedder(settings)
    started = time.perf_counter()
    manifest = build_index(
        documents, embedder, index_spec(settings), out, ProgressBars(), corpus=str(corpus)
    )
    seconds = time.perf_counter() - started
    print(
        f"indexed {manifest.documents} documents as {manifest.count} passages "
        f"({manifest.index_type}, {manifest.dimension}-d, {manifest.embedding_model}) in {out}\n"
        f"{seconds:.1f} s ({manifest.count / seconds:.1f} passages/s, embedding in "
        f"{'bf16' if embedder.bf16 else 'fp32'}); checksum {manifest.checksum}"
    )
    return 0


def register(commands: Commands) -> None:
    index = commands.add_parser("index", help="Build index artifacts.")
    index_commands = index.add_subparsers(dest="index_command", required=True)
    build = index_commands.add_parser("build", help="Embed a corpus and write a new index.")
    build.add_argument("--corpus", type=Path, help="Directory or .jsonl (default: settings).")
    build.add_argument("--out", type=Path, help="New index directory (default: settings).")
    build.set_defaults(handler=_build)
