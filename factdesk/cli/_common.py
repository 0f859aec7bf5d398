"""What the command modules share: the handler type and the two ways to verify a claim."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from evaluation.claims_eval import as_answer
from factdesk.core.settings import Settings
from factdesk.wiring import load_pipeline
from service.database import make_engine, make_sessions, upgrade_database

Handler = Callable[[argparse.Namespace, Settings], int]


class ProgressBars:
    """An index build's progress on stderr: one tqdm bar per stage (passages, sentences)."""

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=f"embedding {stage}", unit=" texts")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


Commands = Any  # argparse's private _SubParsersAction, which add_parser is called on
VerifyFunction = Callable[[str], dict[str, Any]]


def local_verifier(settings: Settings) -> VerifyFunction:
    """Verify in this process (no database, no server), in the body shape of POST /v1/verify."""
    verifier = load_pipeline(settings).verifier

    def verify(claim: str) -> dict[str, Any]:
        return as_answer(verifier.verify(claim))

    return verify


def http_verifier(url: str) -> VerifyFunction:
    client = httpx.Client(base_url=url.rstrip("/"), timeout=60)

    def verify(claim: str) -> dict[str, Any]:
        response = client.post("/v1/verify", json={"claim": claim})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return verify


@contextmanager
def database_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """The database, migrated to head (a first `keys create` may precede any serve)."""
    upgrade_database(settings.audit.database_url)
    engine = make_engine(settings.audit.database_url)
    try:
        yield make_sessions(engine)
    finally:
        engine.dispose()
