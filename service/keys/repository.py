"""Creating, listing, revoking and looking up API keys. Synchronous: run off the event loop."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from factdesk.core.errors import InvalidInputError, NotFoundError, UnavailableError
from factdesk.core.settings import parse_rate_limit
from service.keys.tables import ApiKey

KEY_PREFIX = "fdk_"


class Scope(StrEnum):
    VERIFY = "verify"  # POST /v1/verify and /v1/verify/batch
    READ = "read"  # its own audited queries; the documents
    ADMIN = "admin"  # everything: every key's queries, documents, keys


@dataclass(frozen=True)
class KeyInfo:
    """A key as it may be shown: never the key itself."""

    id: str
    name: str
    prefix: str
    scopes: frozenset[Scope]
    rate_limit: str | None
    created_at: datetime
    revoked_at: datetime | None

    def allows(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


def hash_key(key: str) -> str:
    # The key has 256 bits of entropy, so a fast unsalted hash cannot be brute-forced;
    # a slow password hash would only add latency to every request.
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(text: str | Iterable[str]) -> frozenset[Scope]:
    names = [s.strip() for s in (text.split(",") if isinstance(text, str) else text)]
    known = {scope.value for scope in Scope}
    unknown = sorted(n for n in names if n and n not in known)
    if unknown or not any(names):
        raise InvalidInputError(
            f"unknown scope {', '.join(unknown)!s}; use verify, read and/or admin"
            if unknown
            else "a key needs at least one scope: verify, read or admin"
        )
    return frozenset(Scope(n) for n in names if n)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=parse_scopes(row.scopes),
        rate_limit=row.rate_limit,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class KeyRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self, name: str, scopes: frozenset[Scope], rate_limit: str | None = None
    ) -> tuple[KeyInfo, str]:
        """A new key; returns it with the only copy of the key itself."""
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInputError("a key's name is 1 to 100 characters")
        if rate_limit is not None:
            try:
                parse_rate_limit(rate_limit)
            except ValueError as exc:
                raise InvalidInputError(str(exc)) from exc
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(
            id=str(uuid.uuid4()),
            name=name,
            prefix=key[:10],
            key_hash=hash_key(key),
            scopes=",".join(sorted(scopes)),
            rate_limit=rate_limit,
            created_at=datetime.now(UTC),
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError as exc:
            raise InvalidInputError(f"a key named {name!r} exists; choose another name") from exc
        return _info(row), key

    def list(self) -> list[KeyInfo]:
        with self._sessions() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at))
            return [_info(row) for row in rows]

    def revoke(self, name_or_id: str) -> KeyInfo:
        with self._sessions.begin() as session:
            row = session.scalars(
                select(ApiKey).where((ApiKey.name == name_or_id) | (ApiKey.id == name_or_id))
            ).first()
            if row is None:
                raise NotFoundError("API key", name_or_id)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            return _info(row)

    def active_count(self) -> int:
        with self._sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
            )
            return int(count or 0)

    def find(self, key: str) -> KeyInfo | None:
        """The active key whose hash this is; None for unknown or revoked keys."""
        try:
            with self._sessions() as session:
                row = session.scalars(
                    select(ApiKey).where(
                        ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)
                    )
                ).first()
                return None if row is None else _info(row)
        except SQLAlchemyError as exc:
            raise UnavailableError("API keys could not be read; retry later") from exc
