"""The language a text is written in: its script first, then py3langid (its model ships
inside the wheel) among the languages written in that script.

Short texts are hard: "Xi met Putin." reads as Dutch at probability 0.16, and "Путин
посетил Харбин." read as English when every language was a candidate and English the
fallback. The script settles what it can: a text mostly in Cyrillic, Han, Arabic, Devanagari
or another non-Latin script is never taken as English, and one written in a script only one
supported language uses (Han without kana: Chinese; Hangul: Korean) needs no detector. Among
the languages of one script the detector decides; a Latin-script language other than the
default is reported only when the detector is sure of it (``min_probability``), otherwise the
text is taken to be in the default language, so a short English claim is never turned away
as foreign. A ``LanguageGuess`` says when the language was such a guess.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

# The languages told apart: the ones newsrooms most often work in. A closed set keeps
# names and loanwords from being read as a rare language ("Hoo Tiang Boon works at ..."
# was Tagalog among all 97).
CANDIDATES = (
    "en", "ru", "zh", "de", "fr", "es", "it", "pt", "nl", "pl", "uk", "ar", "ja", "ko", "tr",
    "sv", "cs", "fa", "hi", "vi", "id",
)  # fmt: skip

# The languages each script is written in (of py3langid's), by the first word of the
# Unicode names of its letters. Latin is every candidate not listed under another script.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "CYRILLIC": ("ru", "uk", "bg", "be", "kk", "mk", "mn", "sr", "ky"),
    "CJK": ("zh",),  # Han; with kana it is Japanese (below)
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "HANGUL": ("ko",),
    "ARABIC": ("ar", "fa", "ur", "ps", "ug"),
    "DEVANAGARI": ("hi", "mr", "ne"),
    "GREEK": ("el",),
    "HEBREW": ("he",),
    "THAI": ("th",),
    "GEORGIAN": ("ka",),
    "ARMENIAN": ("hy",),
    "BENGALI": ("bn", "as"),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "KANNADA": ("kn",),
    "MALAYALAM": ("ml",),
    "GUJARATI": ("gu",),
    "GURMUKHI": ("pa",),
    "SINHALA": ("si",),
    "KHMER": ("km",),
    "LAO": ("lo",),
    "ETHIOPIC": ("am",),
}
_NON_LATIN = frozenset(lang for langs in SCRIPT_LANGUAGES.values() for lang in langs)


@dataclass(frozen=True)
class LanguageGuess:
    """A text's language (ISO 639-1) and how it was found: ``detected`` (the script alone
    decides, or the detector is sure) or ``guessed`` (too short to tell: the default
    language, or the likeliest of the languages its script is written in)."""

    code: str
    guessed: bool


@cache
def _identifier(candidates: tuple[str, ...]) -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(list(candidates))
    return identifier


def dominant_script(text: str) -> str | None:
    """The script most of ``text``'s letters are in (a ``SCRIPT_LANGUAGES`` key, or
    ``LATIN``); None for a text without letters. Han with any kana counts as Japanese."""
    scripts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts[name.split(" ", 1)[0] if name else "UNKNOWN"] += 1
    if not scripts:
        return None
    if scripts["CJK"] and (scripts["HIRAGANA"] or scripts["KATAKANA"]):
        return "HIRAGANA"
    script, _ = scripts.most_common(1)[0]
    return script if script in SCRIPT_LANGUAGES or script == "LATIN" else None


def guess_language(
    text: str, default: str, min_probability: float, candidates: Sequence[str] = CANDIDATES
) -> LanguageGuess:
    """``text``'s language, from its script and then the detector (see the module's note)."""
    script = dominant_script(text)
    if script is not None and script != "LATIN":
        # The candidates written in this script (Cyrillic: ru, uk), else all its languages.
        written = SCRIPT_LANGUAGES[script]
        languages = tuple(lang for lang in written if lang in candidates) or written
        if len(languages) == 1:
            return LanguageGuess(languages[0], guessed=False)
        language, probability = _identifier(languages).classify(text)
        return LanguageGuess(str(language), guessed=probability < min_probability)
    latin = tuple(lang for lang in candidates if lang not in _NON_LATIN)
    language, probability = _identifier(latin or tuple(candidates)).classify(text)
    if probability >= min_probability:
        return LanguageGuess(str(language), guessed=False)
    return LanguageGuess(default, guessed=True)


def detect_language(
    text: str, default: str, min_probability: float, candidates: Sequence[str] = CANDIDATES
) -> str:
    """ISO 639-1 code of ``text``'s language (``guess_language``'s, without how)."""
    return guess_language(text, default, min_probability, candidates).code
