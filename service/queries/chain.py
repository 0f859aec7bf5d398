"""The audit trail's hash chain: what each record's hash covers, and the walk that checks it.

A record's hash is SHA-256 over its fields (canonical JSON) and the previous record's hash,
so changing, inserting or deleting a record breaks every hash after it; the head row
(``audit_head``) holds the newest sequence and hash, so deleting the newest records shows
too. It proves the database was not edited behind the service's back by someone who did
not also recompute the chain; an administrator who rewrites the whole chain is caught only
against a head hash exported elsewhere (``factdesk audit head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The fields a record's hash covers, in the QueryRecord's column names.
CHAINED_FIELDS = (
    "id",
    "sequence",
    "created_at",
    "claim",
    "verdict",
    "confidence",
    "top_k",
    "response",
    "stance_model",
    "stance_model_checksum",
    "embedding_model",
    "index_checksum",
    "latency_ms",
    "request_id",
    "client_request_id",
    "user_agent",
    "key_id",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite returns naive UTC datetimes, PostgreSQL aware ones: hash the same instant.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    return value


def record_hash(fields: Mapping[str, Any], previous_hash: str) -> str:
    """The hash of a record with these fields (at least CHAINED_FIELDS) after previous_hash."""
    covered = {name: _canonical(fields[name]) for name in CHAINED_FIELDS}
    payload = json.dumps(
        {"previous": previous_hash, "record": covered},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    records: int
    head_hash: str
    problem: str | None  # the first break, naming the record; None when the chain holds

    @property
    def intact(self) -> bool:
        return self.problem is None


def walk_chain(
    rows: Iterable[Mapping[str, Any]], head_sequence: int, head_hash: str
) -> ChainReport:
    """Check records given in sequence order against each other and against the head."""
    previous, expected, count = GENESIS_HASH, 1, 0
    for row in rows:
        where = f"record {row['id']} (sequence {row['sequence']})"
        if row["sequence"] != expected:
            gap = f"sequence {expected}" + (
                f" to {row['sequence'] - 1}" if row["sequence"] > expected + 1 else ""
            )
            return ChainReport(count, previous, f"{gap} missing before {where}: deleted")
        if row["previous_hash"] != previous:
            return ChainReport(count, previous, f"{where} does not follow the one before it")
        if record_hash(row, previous) != row["record_hash"]:
            return ChainReport(count, previous, f"{where} was changed after it was written")
        previous, expected, count = row["record_hash"], expected + 1, count + 1
    if (head_sequence, head_hash) != (count, previous):
        return ChainReport(
            count,
            previous,
            f"the head says {head_sequence} records but the chain ends at {count}: "
            "records after it were deleted, or the head was edited",
        )
    return ChainReport(count, previous, None)
