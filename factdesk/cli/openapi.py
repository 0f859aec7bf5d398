"""``factdesk openapi``: write or check openapi.yaml, generated from the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factdesk.cli._common import Commands
from factdesk.core.settings import Settings
from service.app import create_app
from service.openapi import openapi_yaml


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    text = openapi_yaml(create_app(settings))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run `factdesk openapi`", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def register(commands: Commands) -> None:
    openapi = commands.add_parser("openapi", help="Write (or --check) openapi.yaml from the app.")
    openapi.add_argument("--out", type=Path, default=Path("openapi.yaml"))
    openapi.add_argument("--check", action="store_true", help="Fail if the file has drifted.")
    openapi.set_defaults(handler=_openapi)
