"""What the command modules share: the handler type and the two ways to verify a claim."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from evaluation.claims_eval import as_answer
from factdesk.core.errors import FactdeskError
from factdesk.core.settings import Settings
from factdesk.wiring import (
    Pipeline,
    build_verifier,
    load_pipeline,
    multilingual_spaces,
    segment_store,
)
from index.live import LiveIndex
from service.database import make_engine, make_sessions, upgrade_database
from service.documents.repository import CorpusRepository
from verify.verifier import Verifier

Handler = Callable[[argparse.Namespace, Settings], int]


def _said(response: httpx.Response) -> str:
    """The problem's own words, when the answer is a problem+json."""
    try:
        problem = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    return str(problem.get("detail") or problem.get("title")) if isinstance(problem, dict) else ""


def api_key(args: argparse.Namespace, settings: Settings) -> str | None:
    """``--key``, else FACTDESK_API_KEY."""
    if args.key:
        return str(args.key)
    secret = settings.tooling.api_key
    return secret.get_secret_value() if secret is not None else None


class ProgressBars:
    """Long work's progress on stderr: one tqdm bar per stage (an index build's passages and
    sentences, an evaluation's claims)."""

    def __init__(self, doing: str = "embedding", unit: str = " texts") -> None:
        self._bars: dict[str, Any] = {}
        self._doing = doing
        self._unit = unit

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(
                total=total, desc=f"{self._doing} {stage}", unit=self._unit
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


Commands = Any  # argparse's private _SubParsersAction, which add_parser is called on
VerifyFunction = Callable[[str], dict[str, Any]]


def local_verifier(
    settings: Settings, pipeline_factory: Callable[[Settings], Pipeline] = load_pipeline
) -> VerifyFunction:
    """Verify in this process (no server), in the body shape of POST /v1/verify, on the
    corpus version the server answers with: the database's newest, when it has one."""
    verifier = current_verifier(settings, pipeline_factory(settings))

    def verify(claim: str) -> dict[str, Any]:
        return as_answer(verifier.verify(claim))

    return verify


class ServerAnswerError(FactdeskError):
    """A server asked over HTTP refused, failed or could not be reached."""


def server_client(url: str, key: str | None, timeout_s: float = 60) -> httpx.Client:
    """A client of the server at ``url``, sending ``key`` (``--key`` or FACTDESK_API_KEY)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s, headers=headers)


def server_post(client: httpx.Client, path: str, **body: Any) -> dict[str, Any]:
    """The server's JSON answer to a POST (``json=`` or ``files=``); ServerAnswerError,
    saying what to fix, when it refuses, fails or cannot be reached."""
    url = str(client.base_url)
    try:
        response = client.post(path, **body)
    except httpx.HTTPError as exc:
        raise ServerAnswerError(f"{url} could not be reached: {exc}") from exc
    if response.status_code == 401:
        sent = "authorization" in client.headers
        hint = "check the key" if sent else "pass --key KEY or set FACTDESK_API_KEY"
        raise ServerAnswerError(f"{url} answered 401 (no valid API key): {hint}")
    if response.is_error:
        raise ServerAnswerError(f"{url} answered {response.status_code}: {_said(response)}")
    answer: dict[str, Any] = response.json()
    return answer


def http_verifier(url: str, key: str | None) -> VerifyFunction:
    """Verify with the server at ``url``, sending ``key`` (``--key`` or FACTDESK_API_KEY)."""
    client = server_client(url, key)

    def verify(claim: str) -> dict[str, Any]:
        return server_post(client, "/v1/verify", json={"claim": claim})

    return verify


def current_verifier(settings: Settings, pipeline: Pipeline) -> Verifier:
    """The verifier of the database's newest corpus version (documents added through the
    API or `documents add` included), from the segments servers wrote; the base index's
    when the database holds no version yet. Reads only: it neither seeds the database nor
    removes a segment a server may use."""
    with database_sessions(settings) as sessions:
        repository = CorpusRepository(sessions)
        if repository.head() == 0:
            return pipeline.verifier
        live = LiveIndex(
            pipeline.index,
            pipeline.verifier,
            repository,
            segment_store(settings, pipeline.embedder, pipeline.shared),
            lambda index: build_verifier(
                settings,
                pipeline.embedder,
                index,
                pipeline.verifier.judges,
                multilingual=pipeline.multilingual,
            ),
            max_segments=settings.index.max_segments,
            keep_versions=1,
            prune_segments=False,
            poll_s=0,
            corpus=pipeline.index.manifest.corpus or settings.index.corpus_dir,
            spaces=multilingual_spaces(settings, pipeline),
        )
        return live.refresh(reuse_written=True).served


@contextmanager
def database_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """The database, migrated to head (a first `keys create` may precede any serve)."""
    upgrade_database(settings.audit.database_url)
    engine = make_engine(settings.audit.database_url)
    try:
        yield make_sessions(engine)
    finally:
        engine.dispose()
