"""The audit trail's hash chain: what each record's hash covers, and the walk that checks it.

The chain holds the answered queries, the editors' reviews of them and the checked drafts
(whose sentences' answers are queries of their own), one sequence for all. A record's
hash is SHA-256 over its fields (canonical JSON) and the previous record's hash, so
changing, inserting or deleting a record breaks every hash after it; the head row
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


# What each kind of record's hash covers. A kind never changes once records carry it: a new
# field makes a new kind, and the records written before keep theirs (their `chain_format`).
QUERY_V1 = "query/1"  # written before the claim's language and corpus version were chained
QUERY_V2 = "query/2"
REVIEW_V1 = "review/1"
ARTICLE_V1 = "article/1"  # a checked draft; its answers are query records of their own
CHAINED_FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    QUERY_V1: CHAINED_FIELDS,
    QUERY_V2: (*CHAINED_FIELDS, "language", "index_version"),
    REVIEW_V1: (
        "id", "sequence", "query_id", "created_at", "verdict", "agrees", "note", "reviewer",
        "key_id",
    ),
    ARTICLE_V1: (
        "id", "sequence", "created_at", "text", "source", "response", "latency_ms",
        "request_id", "client_request_id", "user_agent", "key_id",
    ),
}  # fmt: skip
QUERY_KIND_OF_FORMAT = {1: QUERY_V1, 2: QUERY_V2}
QUERY_FORMAT = 2  # what new query records are written as


def record_hash(fields: Mapping[str, Any], previous_hash: str, kind: str = QUERY_V1) -> str:
    """The hash of a record of ``kind`` with these fields after ``previous_hash``."""
    covered = {name: _canonical(fields[name]) for name in CHAINED_FIELDS_BY_KIND[kind]}
    content: dict[str, Any] = {"previous": previous_hash, "record": covered}
    if kind != QUERY_V1:  # the first kind's payload is as it was before kinds existed
        content["kind"] = kind
    payload = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
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
        what = {REVIEW_V1: "review", ARTICLE_V1: "article check"}.get(row["kind"], "record")
        where = f"{what} {row['id']} (sequence {row['sequence']})"
        if row["sequence"] != expected:
            gap = f"sequence {expected}" + (
                f" to {row['sequence'] - 1}" if row["sequence"] > expected + 1 else ""
            )
            return ChainReport(count, previous, f"{gap} missing before {where}: deleted")
        if row["previous_hash"] != previous:
            return ChainReport(count, previous, f"{where} does not follow the one before it")
        if record_hash(row, previous, row["kind"]) != row["record_hash"]:
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
