"""The weights in force: kept in memory for every claim to read without a database call,
written through at once by this process and read again every poll interval, so replicas
follow each other's changes."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from factdesk.core.errors import NotFoundError, UnavailableError
from service.publishers.tables import PublisherWeight
from verify.trust import FULL_TRUST, PublisherTrust, publisher_key

log = logging.getLogger("factdesk")


class PublisherWeightsUnavailableError(UnavailableError):
    slug = "publisher-weights-unavailable"
    title = "Publisher weights unavailable"


class PublisherWeights:
    def __init__(self, sessions: sessionmaker[Session], poll_s: float) -> None:
        self._sessions = sessions
        self._poll_s = poll_s
        self._trust = FULL_TRUST
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def current(self) -> PublisherTrust:
        return self._trust

    def start(self) -> None:
        self.refresh()
        if self._poll_s > 0:
            self._poller = threading.Thread(
                target=self._follow, name="factdesk-publisher-weights", daemon=True
            )
            self._poller.start()

    def close(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)

    def _follow(self) -> None:
        while not self._stop.wait(self._poll_s):
            # A failure is logged; the weights in memory stand until the database answers.
            with contextlib.suppress(PublisherWeightsUnavailableError):
                self.refresh()

    def refresh(self) -> None:
        rows = self.list()
        self._trust = PublisherTrust({row.publisher_key: row.weight for row in rows})

    def list(self) -> Sequence[PublisherWeight]:
        try:
            with self._sessions() as session:
                return list(
                    session.scalars(select(PublisherWeight).order_by(PublisherWeight.publisher_key))
                )
        except SQLAlchemyError as exc:
            log.error("publisher weights could not be read: %s", exc)
            raise PublisherWeightsUnavailableError("publisher weights could not be read") from exc

    def set(
        self, publisher: str, weight: float, note: str | None, key_id: str | None
    ) -> PublisherWeight:
        row = PublisherWeight(
            publisher_key=publisher_key(publisher), publisher=" ".join(publisher.split()),
            weight=weight, note=note, updated_at=datetime.now(UTC), updated_by=key_id,
        )  # fmt: skip
        try:
            with self._sessions.begin() as session:
                session.merge(row)
        except SQLAlchemyError as exc:
            log.error("publisher weight for %r could not be written: %s", publisher, exc)
            raise PublisherWeightsUnavailableError("the weight could not be saved") from exc
        self.refresh()
        return row

    def remove(self, publisher: str) -> None:
        """Back to the default weight (1)."""
        try:
            with self._sessions.begin() as session:
                row = session.get(PublisherWeight, publisher_key(publisher))
                if row is not None:
                    session.delete(row)
        except SQLAlchemyError as exc:
            raise PublisherWeightsUnavailableError("the weight could not be removed") from exc
        if row is None:
            raise NotFoundError("publisher weight", publisher)
        self.refresh()
