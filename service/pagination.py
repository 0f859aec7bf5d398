"""Opaque cursors for the lists that grow (documents, corpus versions): a page ends where the
next one starts, whatever is added meanwhile."""

from __future__ import annotations

import base64

from factdesk.core.errors import InvalidInputError


class InvalidCursorError(InvalidInputError):
    field = "query.cursor"


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The position a cursor of ours names; InvalidCursorError for anything else."""
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("cursor is not one this service issued") from exc
    if not position or "\x00" in position:
        raise InvalidCursorError("cursor is not one this service issued")
    return position
