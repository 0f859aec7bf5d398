"""Word helpers shared by the checks, the evaluations and the training-data makers.

Two notions of "the words of a text", kept apart because each is measured where it is used:
* ``content_words``: lower-cased words of three or more characters outside a small stop list;
  what the polarity check compares and what tells a claim pair's unrelated sentence apart.
* ``topic_words``: lower-cased ASCII letter/digit runs of four or more characters; a coarse
  topic signature that decides whether two texts of a dataset share a subject (crossed and
  on-topic neutrals, the crossed benchmark rows).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_TOPIC_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
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


def content_words(text: str) -> set[str]:
    return {
        word
        for word in (match.group(0).lower() for match in _WORD.finditer(text))
        if len(word) > 2 and word not in STOPWORDS
    }


def topic_words(text: str) -> frozenset[str]:
    return frozenset(word for word in _TOPIC_WORD.findall(text.lower()) if len(word) > 3)


_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude stem of a lower-cased word: -s, -es, -ed, -ing and a final -e dropped; -ied,
    -ies and -ying made -y. Enough to match "agreed" with "agree", "opposes" with "oppose"
    and "accompanied" with "accompanying"."""
    if len(word) > 5 and word.endswith(("ied", "ies")):
        return word[:-3] + "y"  # "accompanied", "accompanies" -> "accompany"
    if len(word) > 6 and word.endswith("ying"):
        return word[:-3]  # "accompanying" -> "accompany"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]  # "agreed", "agrees" -> "agre"
    return word[:-1] if word.endswith("e") and len(word) > 3 else word  # "agree" -> "agre"


def normalise_space(text: str) -> str:
    """Runs of whitespace become one space; ends are stripped."""
    return " ".join(text.split())
