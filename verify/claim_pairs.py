"""Turn labelled claims (with evidence quotes) into stance pairs for ``factdesk stance eval``.

For each gold quote the premise is the whole corpus sentence that contains it, which is what
factdesk cites; the label is the claim's (SUPPORTED -> SUPPORTS, REFUTED -> REFUTES). Each
claim also gets one sentence of the corpus that shares no content word with it, as NEUTRAL.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factdesk.errors import FactdeskError
from index.corpus import Document
from index.segment import opens_with_pronoun, split_sentences

_VERDICT_TO_STANCE = {"SUPPORTED": "SUPPORTS", "REFUTED": "REFUTES"}
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "was",
        "were",
        "are",
        "has",
        "have",
        "had",
        "its",
        "his",
        "her",
        "their",
        "they",
        "them",
        "will",
        "would",
        "been",
        "into",
        "over",
        "also",
        "than",
        "then",
        "there",
        "which",
        "what",
        "when",
        "where",
        "who",
        "whom",
        "whose",
    ]
)


class ClaimFileError(FactdeskError, ValueError):
    pass


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    claim: str
    label: str  # SUPPORTED | REFUTED | NOT_ENOUGH_INFO | CONFLICTING
    evidence: tuple[tuple[str, str], ...]  # (document_id, quote)


def read_claims(path: Path) -> list[LabelledClaim]:
    claims: list[LabelledClaim] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                evidence = tuple(
                    (str(e["document_id"]), str(e["quote"])) for e in row.get("evidence") or ()
                )
                claims.append(
                    LabelledClaim(str(row["id"]), str(row["claim"]), str(row["label"]), evidence)
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
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


def content_words(text: str) -> set[str]:
    return {
        w
        for w in (m.group(0).lower() for m in _WORD.finditer(text))
        if len(w) > 2 and w not in _STOP
    }


def claim_stance_pairs(
    claims: Sequence[LabelledClaim],
    documents: Sequence[Document],
    seed: int = 13,
    pronoun_context: bool = False,
) -> list[dict[str, str]]:
    """Each claim with its gold evidence sentence(s) and with an unrelated corpus sentence.

    With ``pronoun_context`` a gold sentence that opens with a pronoun comes with the sentence
    before it, as the service reads it (FACTDESK_STANCE_SENTENCE_CONTEXT).
    """
    by_id = {d.id: d for d in documents}
    spans = {d.id: split_sentences(d.text) for d in documents}
    # Each corpus sentence with its content words, computed once for all claims.
    sentences = [
        (text, content_words(text))
        for d in documents
        for text in (d.text[s.start : s.end] for s in spans[d.id])
    ]
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for claim in claims:
        stance = _VERDICT_TO_STANCE.get(claim.label, "")
        for document_id, quote in claim.evidence if stance else ():
            document = by_id.get(document_id)
            if document is None:
                raise ClaimFileError(f"claim {claim.id}: unknown document {document_id!r}")
            span = find_quote(document, quote)
            if span is None:
                raise ClaimFileError(f"claim {claim.id}: quote not found in {document_id!r}")
            sentences_of = spans[document_id]
            first = next(i for i, s in enumerate(sentences_of) if s.end > span[0])
            last = max(i for i, s in enumerate(sentences_of) if s.start < span[1])
            if pronoun_context and first > 0:
                opening = sentences_of[first]
                if opens_with_pronoun(document.text[opening.start : opening.end]):
                    first -= 1
            premise = document.text[sentences_of[first].start : sentences_of[last].end]
            rows.append(
                {"id": claim.id, "premise": premise, "hypothesis": claim.claim, "label": stance}
            )
        words = content_words(claim.claim)
        unrelated = [text for text, other in sentences if len(text) > 40 and not words & other]
        if unrelated:
            rows.append(
                {
                    "id": f"{claim.id}-unrelated",
                    "premise": rng.choice(unrelated),
                    "hypothesis": claim.claim,
                    "label": "NEUTRAL",
                }
            )
    return rows
