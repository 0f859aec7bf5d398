"""The indexed sentences: their embeddings and the facts about them that never change.

Every distinct sentence of the passages is embedded when the index is built (``sentences.npy``)
so that ranking evidence costs one matrix product per claim, not an encoder pass. What the
verifier needs to know of a sentence (is it a statement, does it open with a pronoun, which
sentence comes before it, its text with normalised whitespace) is computed here once, when
the index loads, instead of on every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from index.corpus import Document
from index.embedding import Vectors
from index.passages import Passage
from index.segment import Span, is_statement, opens_with_pronoun
from index.words import normalise_space


class SentenceKey(NamedTuple):
    """A sentence by where it stands: ``documents[document_id].text[start:end]``."""

    document_id: str
    start: int
    end: int


def sentence_keys(passages: Iterable[Passage]) -> list[SentenceKey]:
    """The distinct sentences of ``passages``, in first-seen order."""
    keys: dict[SentenceKey, None] = {}
    for passage in passages:
        for span in passage.sentences:
            keys.setdefault(SentenceKey(passage.document_id, span.start, span.end), None)
    return list(keys)


@dataclass(frozen=True, slots=True)
class IndexedSentence:
    key: SentenceKey
    row: int  # into the sentence embeddings
    normalised: str  # the text with whitespace normalised: the same evidence wherever it stands
    # index.segment.is_statement: headings, captions and questions bear on nothing
    statement: bool
    opens_with_pronoun: bool  # "They met in Beijing": who "they" are is in the sentence before
    previous: SentenceKey | None  # the indexed sentence before it in its document

    @property
    def document_id(self) -> str:
        return self.key.document_id

    @property
    def span(self) -> Span:
        return Span(self.key.start, self.key.end)


class SentenceTable:
    """The indexed sentences by key, with their fp16 embeddings."""

    def __init__(
        self,
        keys: Sequence[SentenceKey],
        vectors: npt.NDArray[np.float16],
        documents: Mapping[str, Document],
    ) -> None:
        self.vectors = vectors
        previous = _previous_sentences(keys)
        sentences: dict[SentenceKey, IndexedSentence] = {}
        for row, key in enumerate(keys):
            text = documents[key.document_id].text[key.start : key.end]
            sentences[key] = IndexedSentence(
                key=key,
                row=row,
                normalised=normalise_space(text),
                statement=is_statement(text),
                opens_with_pronoun=opens_with_pronoun(text),
                previous=previous.get(key),
            )
        self._sentences = sentences

    def __getitem__(self, key: SentenceKey) -> IndexedSentence:
        return self._sentences[key]

    def __len__(self) -> int:
        return len(self._sentences)

    def relevance(self, sentences: Sequence[IndexedSentence], query: Vectors) -> Vectors:
        """Cosine similarity of each sentence to one normalised query (shape (1, d))."""
        rows = [sentence.row for sentence in sentences]
        similarities: Vectors = self.vectors[rows].astype(np.float32) @ query[0]
        return similarities


def _previous_sentences(keys: Iterable[SentenceKey]) -> dict[SentenceKey, SentenceKey]:
    """Each sentence's predecessor in its document (the first has none)."""
    by_document: dict[str, list[SentenceKey]] = {}
    for key in keys:
        by_document.setdefault(key.document_id, []).append(key)
    previous: dict[SentenceKey, SentenceKey] = {}
    for document_keys in by_document.values():
        document_keys.sort(key=lambda key: key.start)
        previous.update(zip(document_keys[1:], document_keys[:-1], strict=True))
    return previous
