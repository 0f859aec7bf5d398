"""A draft read sentence by sentence: spans, scores, and which sentences are claims."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import HashingEmbedder
from verify.article import (
    ArticleReader,
    DraftLimits,
    DraftTooLongError,
    NoCheckWorthyClaimsError,
    NoSentencesError,
    TooManyClaimsError,
)
from verify.checkworthy import CheckworthinessHead, CheckworthinessModelError, HeadScorer


def percent_head(embedding_model: str) -> CheckworthinessHead:
    """A head that finds a sentence check-worthy when it speaks of a percentage."""
    direction = HashingEmbedder().embed(["percent"])[0].astype(np.float32)
    return CheckworthinessHead(embedding_model, direction * 12.0, -4.0, 0.5)


def test_each_sentence_keeps_its_span_and_only_statements_are_claims() -> None:
    text = (
        "Inflation rose 5 percent in May. Did inflation rise 5 percent?  Thank you all.\n"
        "PHOTO: a percent chart."
    )
    reader = ArticleReader(HeadScorer(HashingEmbedder(), percent_head(HashingEmbedder().name)))
    sentences = reader.sentences(text)
    assert [s.text for s in sentences] == [
        "Inflation rose 5 percent in May.", "Did inflation rise 5 percent?", "Thank you all.",
        "PHOTO: a percent chart.",
    ]  # fmt: skip
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.check_worthy for s in sentences] == [True, False, False, False]
    question, thanks = sentences[1], sentences[2]
    assert question.checkworthiness > 0.5 > thanks.checkworthiness  # a question asserts nothing
    assert reader.sentences("") == []
    assert reader.sentences("   \n ") == []


def test_the_reader_refuses_a_head_of_another_embedder() -> None:
    with pytest.raises(CheckworthinessModelError, match="retrain it"):
        ArticleReader(HeadScorer(HashingEmbedder(), percent_head("another-embedder")))


def test_a_draft_is_refused_whole_when_it_is_outside_the_limits() -> None:
    reader = ArticleReader(HeadScorer(HashingEmbedder(), percent_head(HashingEmbedder().name)))
    claims = reader.sentences("Prices rose 5 percent. Wages rose 3 percent. Thank you.")
    assert [s.text for s in reader.worth_checking(claims, DraftLimits(3, 2))] == [
        "Prices rose 5 percent.",
        "Wages rose 3 percent.",
    ]
    with pytest.raises(DraftTooLongError, match="3 sentences; at most 2"):
        reader.worth_checking(claims, DraftLimits(2, 2))
    with pytest.raises(TooManyClaimsError, match="2 check-worthy sentences; at most 1"):
        reader.worth_checking(claims, DraftLimits(3, 1))
    with pytest.raises(NoCheckWorthyClaimsError, match="nothing was verified"):
        reader.worth_checking(reader.sentences("Thank you. Welcome."), DraftLimits(3, 2))
    with pytest.raises(NoSentencesError):
        reader.worth_checking([], DraftLimits(3, 2))
