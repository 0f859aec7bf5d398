"""File helpers every layer uses: JSONL reading and writing, content digests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from factdesk.core.errors import InvalidInputError


class JsonlError(InvalidInputError):
    """A line of a JSONL file is not a JSON object; the message names the file and line."""


def read_jsonl(
    path: Path, error: type[InvalidInputError] = JsonlError
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of ``path``; a missing or unreadable
    file, or a line that is not a JSON object, raises ``error`` naming the file (and line)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        yield from parse_jsonl(handle, path, error)


def parse_jsonl(
    lines: Iterable[str], origin: Path, error: type[InvalidInputError] = JsonlError
) -> Iterator[tuple[int, dict[str, Any]]]:
    """read_jsonl over lines already read; ``origin`` names them in errors."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{origin}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise error(f"{origin}:{number}: expected a JSON object")
        yield number, row


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped); returns the row count."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def sha256_files(paths: Iterable[Path]) -> str:
    """Hex SHA-256 of the files' bytes one after another, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_files([path])
