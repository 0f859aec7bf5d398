"""Passages: windows of consecutive sentences, each sentence an exact span of its document."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from index.corpus import CorpusError, Document
from index.segment import Span, split_sentences


@dataclass(frozen=True)
class Passage:
    id: str  # "<document_id>#<ordinal>": stable while the document and window settings are
    document_id: str
    start: int
    end: int
    text: str  # document.text[start:end]
    sentences: tuple[Span, ...]  # absolute offsets into the document


def document_sentences(document: Document) -> list[Span]:
    """The document's sentences: given ones (as in SciFact) located in the text, else segmented."""
    if not document.sentences:
        return split_sentences(document.text)
    spans: list[Span] = []
    cursor = 0
    for sentence in document.sentences:
        stripped = sentence.strip()
        if not stripped:
            continue
        at = document.text.find(stripped, cursor)
        if at < 0:
            raise CorpusError(
                f"document {document.id!r}: listed sentence not in its text: {stripped[:60]!r}"
            )
        spans.append(Span(at, at + len(stripped)))
        cursor = at + len(stripped)
    return spans


def passages_of(document: Document, window: int, stride: int) -> list[Passage]:
    if window < 1 or stride < 1:
        raise ValueError("passage window and stride must be at least 1")
    sentences = document_sentences(document)
    passages: list[Passage] = []
    starts = list(range(0, max(1, len(sentences) - window + stride), stride))
    for ordinal, first in enumerate(starts):
        group = sentences[first : first + window]
        if not group:
            break
        start, end = group[0].start, group[-1].end
        passages.append(
            Passage(
                id=f"{document.id}#{ordinal}",
                document_id=document.id,
                start=start,
                end=end,
                text=document.text[start:end],
                sentences=tuple(group),
            )
        )
        if first + window >= len(sentences):
            break
    return passages


def build_passages(documents: Iterable[Document], window: int, stride: int) -> list[Passage]:
    return [p for d in documents for p in passages_of(d, window, stride)]
