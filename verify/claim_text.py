"""What counts as a claim: text that states something in words.

"😀😀😀", "1234" or "?!" state nothing a corpus could support or refute, and a stance model
given them still answers with confidence (on the sample corpus "😀😀😀" was SUPPORTED 0.66).
They are refused before retrieval, with the reason, instead of being judged.
"""

from __future__ import annotations

import re
import unicodedata

from factdesk.core.errors import InvalidInputError

# A run of letters (any script), digits and marks excluded.
_LETTER_RUN = re.compile(r"[^\W\d_]+")
MIN_WORDS = 2


class NotAClaimError(InvalidInputError):
    """The text has too few words to state anything."""

    slug = "not-a-claim"
    title = "Not a claim"
    field = "body.claim"


def _is_ideographic(character: str) -> bool:
    """Scripts written without spaces (Chinese, Japanese): each character is about a word."""
    name = unicodedata.name(character, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL"))


def word_count(text: str) -> int:
    """Words of two or more letters; in scripts written without spaces, two characters."""
    count = 0
    for run in _LETTER_RUN.findall(text):
        ideographs = sum(map(_is_ideographic, run))
        if ideographs:
            count += ideographs // 2 + (len(run) - ideographs >= 2)
        elif len(run) >= 2:
            count += 1
    return count


def check_claim(text: str) -> str:
    """The claim with its outer whitespace removed; NotAClaimError when it states nothing."""
    claim = text.strip()
    if word_count(claim) < MIN_WORDS:
        raise NotAClaimError(
            "a claim must state something in words (at least two words of letters); "
            f"got {claim[:40]!r}"
        )
    return claim
