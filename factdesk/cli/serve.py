"""``factdesk serve``: the HTTP API."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from factdesk.cli._common import Commands
from factdesk.core.settings import Settings
from service.app import create_app
from service.server_protocol import header_deadline_protocol


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    http = settings.http.model_copy(update=overrides)
    settings = settings.model_copy(update={"http": http})
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
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
    serve.set_defaults(handler=_serve)
