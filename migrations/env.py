"""Alembic environment: factdesk's metadata and database URL."""

from __future__ import annotations

from alembic import context

from service.database import Base, make_engine
from service.documents import tables as _document_tables  # noqa: F401  (registers them)
from service.keys import tables as _key_tables  # noqa: F401
from service.publishers import tables as _publisher_tables  # noqa: F401
from service.queries import tables as _query_tables  # noqa: F401

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from factdesk.core.settings import AuditSettings

    url = AuditSettings().database_url

target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
