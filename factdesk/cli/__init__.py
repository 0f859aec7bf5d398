"""The ``factdesk`` command line: one module per command group, each registering its parsers.

Every handler takes the parsed arguments and the Settings and returns the exit status; a
FactdeskError ends the command with one line on stderr that says what to fix (exit 2).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from factdesk.cli import (
    check,
    checkworthy,
    documents,
    index,
    keys,
    models,
    openapi,
    serve,
    stance,
    verify,
)
from factdesk.cli import eval as eval_commands
from factdesk.cli._common import Handler
from factdesk.core.errors import FactdeskError
from factdesk.core.settings import Settings

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factdesk", description="Claim verification service.")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in (
        stance,
        serve,
        index,
        documents,
        models,
        verify,
        check,
        eval_commands,
        openapi,
        keys,
        checkworthy,
    ):
        group.register(commands)
    return parser


def _log_to_stderr() -> None:
    """factdesk's log lines, INFO and up, on stderr for every command (the server's too).
    Routine events (an index built, a version loaded) are INFO; WARNING is kept for what an
    operator must act on."""
    logger = logging.getLogger("factdesk")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    handler: Handler = args.handler
    try:
        return handler(args, Settings())
    except FactdeskError as exc:
        print(f"factdesk: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
