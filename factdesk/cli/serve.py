"""``factdesk serve``: the HTTP API."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from factdesk.cli._common import Commands
from factdesk.core.errors import InvalidInputError
from factdesk.core.settings import Settings
from index.store import Manifest
from service.app import create_app
from service.server_protocol import header_deadline_protocol


def _index_settings(settings: Settings, index_dir: Path) -> Settings:
    """Serve this index, checked against the corpus its manifest says it was built from."""
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InvalidInputError(
            f"{index_dir} holds no index (no manifest.json); build one with "
            f"`factdesk index build --out {index_dir}`"
        )
    manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    update: dict[str, object] = {"index_dir": index_dir}
    if manifest.corpus:
        update["corpus_dir"] = manifest.corpus
    else:  # built before manifests named their corpus: its own documents.jsonl is the corpus
        update["check_corpus_fingerprint"] = False
    return settings.model_copy(update={"index": settings.index.model_copy(update=update)})


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    http = settings.http.model_copy(update=overrides)
    settings = settings.model_copy(update={"http": http})
    if args.index is not None:
        settings = _index_settings(settings, args.index)
    uvicorn.run(
        create_app(settings),
        host=http.host,
        port=http.port,
        log_level="info",
        server_header=False,  # no version banner for scanners
        http=header_deadline_protocol(http.header_timeout_s),
        limit_concurrency=http.max_connections,
        timeout_keep_alive=http.keep_alive_timeout_s,
    )
    return 0


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="Run the HTTP API (builds the index if absent).")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--index", type=Path, help="Serve this index (its manifest names its corpus)."
    )
    serve.set_defaults(handler=_serve)
