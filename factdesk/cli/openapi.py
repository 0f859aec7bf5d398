"""``factdesk openapi``: write or check openapi.yaml, generated from the app."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from factdesk.cli._common import Commands
from factdesk.core.settings import AuditSettings, Settings
from service.app import create_app
from service.openapi import openapi_yaml
from service.verification.schemas import EXAMPLE_CLAIM, EXAMPLE_FILE


def _write_example(settings: Settings) -> None:
    """A real answer to the example claim, through the whole service, as the example."""
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as scratch:
        local = settings.model_copy(
            update={
                "audit": AuditSettings(database_url=f"sqlite:///{scratch}/example.db"),
                "security": settings.security.model_copy(update={"auth": "off"}),
            }
        )
        with TestClient(create_app(local), base_url="http://localhost") as client:
            response = client.post("/v1/verify", json={"claim": EXAMPLE_CLAIM})
            response.raise_for_status()
    EXAMPLE_FILE.write_text(json.dumps(response.json(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {EXAMPLE_FILE}")


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    if args.example:
        _write_example(settings)
        # The schemas read the example when imported; a new process renders it.
        command = [sys.executable, "-m", "factdesk.cli", "openapi", "--out", str(args.out)]
        return subprocess.run(command, check=False).returncode
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
    openapi.add_argument(
        "--example",
        action="store_true",
        help="First answer the example claim with the configured models and sample corpus, "
        "and make that answer the 200 example.",
    )
    openapi.set_defaults(handler=_openapi)
