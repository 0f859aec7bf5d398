"""Every schema change is a migration with a working downgrade, and the models match them."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect

from service.db import alembic_config


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
    assert schema(database_url)["queries"] == {
        "ix_queries_created_at_id",
        "ix_queries_verdict_created_at",
    }
    command.downgrade(config, "base")
    assert "queries" not in schema(database_url)
    command.upgrade(config, "head")
    assert "queries" in schema(database_url)
