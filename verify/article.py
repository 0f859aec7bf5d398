"""A draft read sentence by sentence: which sentences make a check-worthy factual claim.

Every sentence of the text keeps its exact span in it (``text[start:end]``), the same
segmentation the index uses (index/segment.py). A sentence is check-worthy when the
check-worthiness head (verify/checkworthy.py) scores it at its threshold or above and it
asserts something: a heading, a caption or a question is never a claim to verify, however
the head scores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from factdesk.core.errors import InvalidInputError
from index.segment import is_statement, split_sentences
from verify.checkworthy import SentenceScorer


class DraftError(InvalidInputError):
    """A draft that cannot be checked as a whole: nothing in it is verified."""

    field = "body.text"


class NoSentencesError(DraftError):
    pass


class DraftTooLongError(DraftError):
    pass


class TooManyClaimsError(DraftError):
    pass


class NoCheckWorthyClaimsError(DraftError):
    slug = "no-check-worthy-claims"
    title = "No check-worthy claims"


@dataclass(frozen=True)
class DraftLimits:
    max_sentences: int  # a longer draft is refused: split it
    max_claims: int  # a draft with more check-worthy sentences is refused: split it


@dataclass(frozen=True)
class ArticleSentence:
    start: int
    end: int
    text: str  # == the article's text[start:end]
    checkworthiness: float  # the head's probability that it is a check-worthy claim
    check_worthy: bool


class ArticleReader:
    """Splits a text into sentences and scores each; built once, with its scorer."""

    def __init__(self, scorer: SentenceScorer) -> None:
        self._scorer = scorer

    @property
    def threshold(self) -> float:
        """The check-worthiness at or above which a statement is verified."""
        return self._scorer.threshold

    def sentences(self, text: str) -> list[ArticleSentence]:
        spans = split_sentences(text)
        if not spans:
            return []
        texts = [text[span.start : span.end] for span in spans]
        scores = self._scorer.scores(texts)
        return [
            ArticleSentence(
                span.start,
                span.end,
                sentence,
                round(float(score), 4),
                bool(score >= self._scorer.threshold) and is_statement(sentence),
            )
            for span, sentence, score in zip(spans, texts, scores, strict=True)
        ]

    def worth_checking(
        self, sentences: Sequence[ArticleSentence], limits: DraftLimits
    ) -> list[ArticleSentence]:
        """The check-worthy ones of a draft's ``sentences``, within ``limits``; a DraftError
        for a draft with no sentence, too many, none check-worthy or too many that are."""
        if not sentences:
            raise NoSentencesError("the draft has no sentences")
        if len(sentences) > limits.max_sentences:
            raise DraftTooLongError(
                f"the draft has {len(sentences)} sentences; at most {limits.max_sentences} "
                "are checked at once: split it"
            )
        worthy = [sentence for sentence in sentences if sentence.check_worthy]
        if not worthy:
            raise NoCheckWorthyClaimsError(
                f"none of the draft's {len(sentences)} sentences makes a check-worthy factual "
                f"claim (check-worthiness below {self.threshold:g}, or not a statement); "
                "nothing was verified"
            )
        if len(worthy) > limits.max_claims:
            raise TooManyClaimsError(
                f"the draft has {len(worthy)} check-worthy sentences; at most "
                f"{limits.max_claims} are verified at once: split it"
            )
        return worthy
