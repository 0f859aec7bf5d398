"""Every schema change is a migration with a working downgrade, and the models match them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect, text

from service.database import alembic_config, make_sessions
from service.queries.chain import GENESIS_HASH, record_hash
from service.queries.repository import AuditRepository


def schema(url: str) -> dict[str, Any]:
    """Tables and their indexes, read over a fresh connection (no cached schema)."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        return {
            table: {index["name"] for index in inspector.get_indexes(table)}
            for table in inspector.get_table_names()
        }
    finally:
        engine.dispose()


def test_upgrade_check_downgrade_upgrade(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models and the migrations disagree
    tables = schema(database_url)
    assert tables["queries"] == {
        "ix_queries_created_at_id",
        "ix_queries_verdict_created_at",
        "ix_queries_sequence",
        "ix_queries_key_id_created_at",
        "ix_queries_needs_review_created_at",
        "ix_queries_article_check_id",
    }
    assert tables["article_checks"] == {
        "ix_article_checks_created_at_id",
        "ix_article_checks_sequence",
    }
    # PostgreSQL lists the unique constraint on the name as an index too
    assert tables["api_keys"] - {"api_keys_name_key"} == {"ix_api_keys_key_hash"}
    assert "audit_head" in tables
    assert tables["reviews"] == {"ix_reviews_query_id_created_at", "ix_reviews_sequence"}
    assert "publisher_weights" in tables
    command.downgrade(config, "0007")
    assert "publisher_weights" not in schema(database_url)
    command.downgrade(config, "0006")
    assert "article_checks" not in schema(database_url)
    assert "ix_queries_article_check_id" not in schema(database_url)["queries"]
    command.downgrade(config, "0005")
    assert "ix_queries_needs_review_created_at" not in schema(database_url)["queries"]
    command.downgrade(config, "0002")
    assert "reviews" not in schema(database_url)
    command.downgrade(config, "0001")
    assert set(schema(database_url)) - {"alembic_version"} == {"queries"}
    command.downgrade(config, "base")
    assert "queries" not in schema(database_url)
    command.upgrade(config, "head")
    assert "queries" in schema(database_url)


def test_records_written_before_the_chain_are_chained_by_its_migration(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0001")
    engine = create_engine(database_url)
    created = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    row: dict[str, object] = {
        "created_at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC), "claim": "Putin went to Harbin.",
        "verdict": "SUPPORTED", "confidence": 0.81, "top_k": 5,
        "response": json.dumps({"verdict": "SUPPORTED", "took_ms": 12.5}),
        "stance_model": "m", "stance_model_checksum": "c", "embedding_model": "e",
        "index_checksum": "i", "latency_ms": 12.5, "request_id": "r", "user_agent": None,
    }  # fmt: skip
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    with engine.begin() as connection:
        for number in range(3):
            connection.execute(
                text(f"INSERT INTO queries (id, {columns}) VALUES (:id, {values})"),
                {**row, "id": f"00000000-0000-4000-8000-00000000000{number}",
                 "created_at": created + timedelta(seconds=number)},
            )  # fmt: skip
    command.upgrade(config, "head")
    report = AuditRepository(make_sessions(engine)).verify_chain()
    engine.dispose()
    assert report.intact, report.problem
    assert report.records == 3


def test_reviews_written_before_the_chain_took_them_are_chained_by_its_migration(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0004")
    engine = create_engine(database_url)
    query = {
        "id": "00000000-0000-4000-8000-000000000001", "sequence": 1,
        "created_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "claim": "Putin went to Harbin.",
        "verdict": "SUPPORTED", "confidence": 0.81, "top_k": 5, "response": {"verdict": "x"},
        "stance_model": "m", "stance_model_checksum": "c", "embedding_model": "e",
        "index_checksum": "i", "latency_ms": 12.5, "request_id": "r", "client_request_id": None,
        "user_agent": None, "key_id": None, "language": "en", "index_version": 1,
    }  # fmt: skip
    digest = record_hash(query, GENESIS_HASH)  # as the code before reviews were chained
    row = {**query, "response": json.dumps(query["response"])}
    with engine.begin() as connection:
        columns = ", ".join(row)
        connection.execute(
            text(
                f"INSERT INTO queries ({columns}, previous_hash, record_hash) VALUES "
                f"({', '.join(':' + name for name in row)}, :previous, :digest)"
            ),
            {**row, "previous": GENESIS_HASH, "digest": digest},
        )
        connection.execute(
            text("UPDATE audit_head SET sequence = 1, record_hash = :digest"), {"digest": digest}
        )
        for number, verdict in enumerate(("SUPPORTED", "REFUTED")):
            connection.execute(
                text(
                    "INSERT INTO reviews (id, query_id, created_at, verdict, agrees, note, "
                    "reviewer, key_id) VALUES (:id, :query, :at, :verdict, :agrees, NULL, 'ed', "
                    "NULL)"
                ),
                {"id": f"r{number}", "query": query["id"], "verdict": verdict,
                 "agrees": verdict == "SUPPORTED",
                 "at": datetime(2026, 12, 1, 10, number, tzinfo=UTC)},
            )  # fmt: skip
    command.upgrade(config, "head")
    repository = AuditRepository(make_sessions(engine))
    report = repository.verify_chain()
    assert report.intact, report.problem
    assert report.records == 3  # the query, then both reviews, oldest first
    command.downgrade(config, "0004")  # the reviews leave the chain; the queries still hold
    command.upgrade(config, "head")
    assert repository.verify_chain().records == 3
    engine.dispose()
