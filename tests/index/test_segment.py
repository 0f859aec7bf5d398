import pytest

from index.segment import is_statement, split_sentences
from tests.conftest import SAMPLE_CORPUS as CORPUS


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_splits_on_sentence_ends_and_keeps_abbreviations() -> None:
    text = (
        "U.S. Secretary Blinken met Mr. Wang. He said no. "
        "Then (e.g. here) it ended! “Quote.” No. 34 is next"
    )
    assert texts(text) == [
        "U.S. Secretary Blinken met Mr. Wang.",
        "He said no.",
        "Then (e.g. here) it ended!",
        "“Quote.”",
        "No. 34 is next",
    ]


def test_line_breaks_end_headings_and_bylines() -> None:
    assert texts("KEY TAKEAWAYS\n• First point.\n\nBody text here.") == [
        "KEY TAKEAWAYS",
        "• First point.",
        "Body text here.",
    ]


def test_a_page_break_inside_a_sentence_does_not_end_it() -> None:
    text = (
        "The condemnation of unilateral\n\n\n\nmeasures targets sanctions.\n\nNext Heading\nBody."
    )
    assert texts(text) == [
        "The condemnation of unilateral\n\n\n\nmeasures targets sanctions.",
        "Next Heading",
        "Body.",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Putin met Xi in Beijing.", True),
        ("They also signed ten agreements;", True),
        ("Trade rose 60 percent.[1]", True),
        ("He said “we agree.”", True),
        ("Highlights of the 2024 Joint Statement", False),
        ("Taipei City, 10087, Republic of China (Taiwan)", False),
        ("What was agreed in bilateral relations?", False),
        # Before, these ended in a full stop and were judged (and cited with a stance).
        ("PHOTO: Putin shakes hands with Xi Jinping in Shanghai, May 21, 2014.", False),
        ("File photo: Xi in Moscow.", False),
        ("1200 17th Street NW, Washington, DC 20036.", False),
        ("2301 Constitution Ave. NW, Washington, DC 20037.", False),
        ("200 protesters marched down Nevsky Avenue, police said.", True),
        ("Photographers gathered outside the hall.", True),
    ],
)
def test_statements_are_sentences_that_assert(sentence: str, expected: bool) -> None:
    assert is_statement(sentence) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", []), ("   \n\n  ", []), ("  no terminal punctuation ", ["no terminal punctuation"])],
)
def test_degenerate_inputs(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_offsets_are_exact_on_the_sample_corpus() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        spans = split_sentences(text)
        assert spans, path
        previous_end = 0
        for span in spans:
            piece = text[span.start : span.end]
            assert piece
            assert piece == piece.strip()
            assert span.start >= previous_end
            # nothing but whitespace is dropped between sentences
            assert text[previous_end : span.start].strip() == ""
            previous_end = span.end
        assert text[previous_end:].strip() == ""
