"""The language a text is written in, by py3langid (its model ships inside the wheel).

Short texts are hard: "Xi met Putin." reads as Dutch at probability 0.16. A language other
than the default is reported only when the detector is sure of it (``min_probability``);
otherwise the text is taken to be in the default language, so a short English claim is
never turned away as foreign.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

# The languages told apart: the ones newsrooms most often work in. A closed set keeps
# names and loanwords from being read as a rare language ("Hoo Tiang Boon works at ..."
# was Tagalog among all 97).
CANDIDATES = (
    "en", "ru", "zh", "de", "fr", "es", "it", "pt", "nl", "pl", "uk", "ar", "ja", "ko", "tr",
    "sv", "cs", "fa", "hi", "vi", "id",
)  # fmt: skip


@cache
def _identifier(candidates: tuple[str, ...]) -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(list(candidates))
    return identifier


def detect_language(
    text: str, default: str, min_probability: float, candidates: Sequence[str] = CANDIDATES
) -> str:
    """ISO 639-1 code of ``text``'s language; ``default`` unless another is sure."""
    language, probability = _identifier(tuple(candidates)).classify(text)
    return str(language) if probability >= min_probability else default
