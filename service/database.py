"""The one database module: the tables' declarative base, the engine, sessions, migrations.

Every domain's `tables.py` derives from ``Base``; nothing else is shared between domains
through the database layer."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored with its time zone and read back aware, in UTC, from every database.

    SQLite keeps no offset and returns naive values; PostgreSQL returns aware ones. Without
    this, the same record's `created_at` was "2026-12-06T05:00:00" on one and
    "2026-12-06T05:00:00+00:00" on the other, and the API's date-times lacked an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Any) -> datetime | None:
        return _in_utc(value)

    def process_result_value(self, value: datetime | None, _dialect: Any) -> datetime | None:
        return _in_utc(value)


def _in_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            # WAL: readers never block the writer; FULL: a committed audit row survives a
            # crash of the process and of the machine.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()
            _record.info["inode"] = _inode(database)

        @event.listens_for(engine, "checkout")
        def _same_file(_connection: Any, record: Any, _proxy: Any) -> None:
            # A pooled connection keeps writing to its open file after the file is deleted
            # or replaced, and those commits are lost; such a connection is discarded, and
            # the new one fails loudly (no tables) until the operator restores the file.
            if record.info.get("inode") != _inode(database):
                raise DisconnectionError(f"SQLite file {database} was moved or replaced")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _inode(database: str) -> int | None:
    if not database or database == ":memory:":
        return None
    try:
        return os.stat(database).st_ino
    except FileNotFoundError:
        return -1


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    import sys

    from alembic.config import Config

    # Alembic's default stdout is bound when it is first imported; pass the current one.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
