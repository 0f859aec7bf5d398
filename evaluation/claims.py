"""Labelled claims files: ``{id, claim, label, evidence: [{document_id, quote}]}`` per line,
and where a gold quote stands in its document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from factdesk.core.errors import InvalidInputError
from factdesk.core.files import read_jsonl
from index.corpus import Document


class ClaimFileError(InvalidInputError):
    pass


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    claim: str
    label: str  # SUPPORTED | REFUTED | NOT_ENOUGH_INFO | CONFLICTING
    evidence: tuple[tuple[str, str], ...]  # (document_id, quote)


def read_claims(path: Path) -> list[LabelledClaim]:
    claims: list[LabelledClaim] = []
    for number, row in read_jsonl(path, ClaimFileError):
        try:
            evidence = tuple(
                (str(e["document_id"]), str(e["quote"])) for e in row.get("evidence") or ()
            )
            claims.append(
                LabelledClaim(str(row["id"]), str(row["claim"]), str(row["label"]), evidence)
            )
        except (KeyError, TypeError) as exc:
            raise ClaimFileError(
                f"{path}:{number}: expected {{id, claim, label, evidence}} ({exc})"
            ) from exc
    return claims


def _normalise(text: str) -> str:
    return (
        " ".join(text.split())
        .replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
    )


def find_quote(document: Document, quote: str) -> tuple[int, int] | None:
    """Character span of ``quote`` in the document, tolerant of whitespace and quote style."""
    start = document.text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    # Map positions of the normalised text back to the original one.
    target = _normalise(quote)
    normalised_chars: list[str] = []
    origin: list[int] = []
    previous_space = False
    for index, char in enumerate(document.text):
        if char.isspace():
            if previous_space or not normalised_chars:
                continue
            char, previous_space = " ", True
        else:
            previous_space = False
        normalised_chars.append(_normalise(char) or char)
        origin.append(index)
    found = "".join(normalised_chars).find(target)
    if found < 0:
        return None
    return origin[found], origin[found + len(target) - 1] + 1
