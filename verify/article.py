"""A draft read sentence by sentence: which sentences make a check-worthy factual claim.

Every sentence of the text keeps its exact span in it (``text[start:end]``), the same
segmentation the index uses (index/segment.py). A sentence is check-worthy when the
check-worthiness head (verify/checkworthy.py) scores it at its threshold or above and it
asserts something: a heading, a caption or a question is never a claim to verify, however
the head scores it.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.embedding import Embedder
from index.segment import is_statement, split_sentences
from verify.checkworthy import CheckworthinessHead


@dataclass(frozen=True)
class ArticleSentence:
    start: int
    end: int
    text: str  # == the article's text[start:end]
    checkworthiness: float  # the head's probability that it is a check-worthy claim
    check_worthy: bool


class ArticleReader:
    """Splits a text into sentences and scores each; built once, with the service's embedder
    (the head reads only that embedder's vectors)."""

    def __init__(self, embedder: Embedder, head: CheckworthinessHead) -> None:
        head.check(embedder.name)
        self._embedder = embedder
        self._head = head

    def sentences(self, text: str) -> list[ArticleSentence]:
        spans = split_sentences(text)
        if not spans:
            return []
        texts = [text[span.start : span.end] for span in spans]
        scores = self._head.scores(self._embedder.embed(texts))
        return [
            ArticleSentence(
                span.start,
                span.end,
                sentence,
                round(float(score), 4),
                bool(score >= self._head.threshold) and is_statement(sentence),
            )
            for span, sentence, score in zip(spans, texts, scores, strict=True)
        ]
