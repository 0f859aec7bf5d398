"""Schemathesis against a live server: the committed openapi.yaml, cases generated from it
(bounded and seeded), sent over HTTP to the production app on fake models with a real
audit database, PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from factdesk.core.settings import AuditSettings
from index.corpus import load_corpus
from index.store import build_index
from service.app import create_app
from service.keys.repository import Scope
from service.runtime import Runtime
from tests.conftest import REPO_ROOT, SAMPLE_CORPUS, _postgres_database
from tests.fakes import (
    FakeStanceModel,
    HashingEmbedder,
    fake_pipeline_factory,
    fake_settings,
    fake_spec,
)
from tests.live_server import uvicorn_in_thread
from verify.labels import Stance

SCHEMA = schemathesis.openapi.from_path(REPO_ROOT / "openapi.yaml")
# Valid and invalid input both, NUL bytes included, reproducibly.
SCHEMA.config.generation.update(
    modes=list(schemathesis.GenerationMode), allow_x00=True, deterministic=True
)
# A body over the size limit is refused with 413 before it is parsed, as openapi.yaml says;
# schemathesis's own list of rejections lacks that status.
_REJECTION = SCHEMA.config.checks.negative_data_rejection
_REJECTION.expected_statuses = [*_REJECTION.expected_statuses, "413"]


def _declared_date_times() -> frozenset[str]:
    """The property names openapi.yaml declares `format: date-time` (`created_at`, ...); a
    field such as a citation's `published_at`, a date as the document gave it, is not one."""
    import yaml

    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(
                        name
                        for name, schema in value.items()
                        if "date-time" in yaml.safe_dump(schema)
                    )
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8")))
    return frozenset(names)


DATE_TIMES = _declared_date_times()


def _date_times(node: Any) -> Iterator[str]:
    """Every value of a field the API declares a moment in a JSON body."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DATE_TIMES and isinstance(value, str):
                yield value
            else:
                yield from _date_times(value)
    elif isinstance(node, list):
        for item in node:
            yield from _date_times(item)


@schemathesis.check
def date_times_carry_their_offset(_ctx: Any, response: Any, _case: Any) -> None:
    """openapi.yaml says date-time: a moment without an offset is not one (SQLite's were)."""
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return
    for moment in _date_times(response.json()):
        if datetime.fromisoformat(moment).utcoffset() is None:
            raise AssertionError(f"date-time without a UTC offset: {moment!r}")


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[tuple[str, dict[str, str]]]:
    index_dir = tmp_path_factory.mktemp("fuzz-index") / "sample"
    build_index(load_corpus(SAMPLE_CORPUS), HashingEmbedder(), fake_spec(), index_dir)
    stance = FakeStanceModel({"signed": Stance.SUPPORTS})
    app = create_app(
        fake_settings(audit=AuditSettings(database_url=database_url), min_relevance=0.0),
        pipeline_factory=fake_pipeline_factory(index_dir, stance),
    )
    with uvicorn_in_thread(app) as port:
        runtime: Runtime = app.state.runtime
        _, key = runtime.keys.create("fuzzer", frozenset({Scope.ADMIN}), "1000000/minute")
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """PostgreSQL, where NUL bytes and date overflows used to be 5xx; SQLite, where the
    date-times came back without an offset."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz-db') / 'audit.db'}"
    else:
        yield from _postgres_database()


@SCHEMA.parametrize()
@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_every_answer_matches_the_schema(
    case: Any, live: tuple[str, dict[str, str]]
) -> None:
    url, auth = live
    # A schema-valid body may still be refused on meaning ("000 000" states nothing: 422
    # not-a-claim); that is the one check that does not apply. No 5xx, and every answer's
    # status, headers and body as declared, do.
    case.call_and_validate(
        base_url=url,
        headers=auth,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
