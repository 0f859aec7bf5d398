"""Sentence segmentation that keeps exact character offsets into the original text.

Every span is ``(start, end)`` with ``text[start:end]`` the sentence itself (stripped of
surrounding whitespace), so a citation can always be checked against the stored document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tokens that end with a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "al",
        "fig",
        "gen",
        "gov",
        "sen",
        "rep",
        "lt",
        "col",
        "sgt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "approx",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "p.m",
        "a.m",
    ]
)
# A sentence ends at . ! ? (with closing quotes/brackets) followed by whitespace, or at a
# line break: news text puts headings, bylines and list items on lines of their own.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
_WORD_BEFORE = re.compile(r"(\S+)$")
_SENTENCE_FINAL = ".!?;:\"'”’)]"
# Asserts something: ends like a sentence (footnote marks allowed) and is not a question.
_STATEMENT_END = re.compile(r"[.!;:][\"'”’)\]]*(?:\[\d+\])?$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the period just before ``end`` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, 0, end)
    if match is None:
        return False
    word = match.group(1).rstrip(".").lstrip("(\"'“‘").lower()
    if word in _ABBREVIATIONS:
        return True
    # Single initials ("Xi J. Ping", "U. S.") and dotted acronyms ("U.S.") do not end sentences.
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        # The sentence ends after any closing quotes/brackets that follow its punctuation.
        cut = boundary.start() + len(boundary.group(0).rstrip())
        if "\n" in boundary.group(0):
            following = text[boundary.end() :].lstrip()[:1]
            if following.islower() and text[cut - 1] not in _SENTENCE_FINAL:
                continue  # a line or page wrapped mid-sentence (text extracted from PDFs)
        else:
            following = text[boundary.end() : boundary.end() + 1]
            if following and following.islower():
                continue  # "e.g. the ..." or a mid-sentence abbreviation
            if following.isdigit() and text[max(0, cut - 3) : cut].lower() == "no.":
                continue  # "No. 34"
            period_at = boundary.start()
            if text[period_at - 1] == "." and _is_abbreviation(text, period_at):
                continue
        span = _strip(text, start, cut)
        if span is not None:
            spans.append(span)
        start = boundary.end()
    tail = _strip(text, start, len(text))
    if tail is not None:
        spans.append(tail)
    return spans


# A caption or credit line announces itself: "PHOTO: Putin shakes hands with Xi ...".
_CAPTION = re.compile(
    r"^(?:file\s+)?(?:photo(?:graph)?|image|picture|caption|video|credit)s?\s*[:|]", re.IGNORECASE
)
# A postal address: a number, a street, a comma, and a postcode later on ("1200 17th
# Street NW, Washington, DC 20036.").
_ADDRESS = re.compile(
    r"^\d+[\w\s.'-]*\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|drive|square|"
    r"place|way)\b\.?\s*(?:[nsew]{1,2}\b)?,.*\b\d{4,5}(?:-\d{4})?\b",
    re.IGNORECASE,
)


def is_statement(sentence: str) -> bool:
    """Whether a sentence can bear on a claim: headings, bylines, addresses, captions and
    questions assert nothing, so they neither support nor refute anything."""
    text = sentence.strip()
    if _CAPTION.match(text) or _ADDRESS.match(text):
        return False
    return _STATEMENT_END.search(text) is not None


# Words that open a sentence whose subject is named in the sentence before: "They met in
# Beijing", "This includes the new defence minister".
_PRONOUNS = frozenset(
    ["he", "she", "it", "they", "this", "these", "those", "his", "her", "its", "their", "them"]
)


def opens_with_pronoun(sentence: str) -> bool:
    """Whether the sentence needs the one before it to say who or what it is about."""
    words = sentence.split(maxsplit=1)
    return bool(words) and words[0].strip("\"'“‘(").lower() in _PRONOUNS
