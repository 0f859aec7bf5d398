"""The publisher_weights table. Every change here needs an Alembic migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class PublisherWeight(Base):
    """How much one publisher's evidence counts (0 to 1); a publisher without a row counts 1."""

    __tablename__ = "publisher_weights"

    # verify.trust.publisher_key of the name: case and spacing do not make another publisher
    publisher_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(300), nullable=False)  # as the admin wrote it
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the key id
