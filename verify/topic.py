"""Whether a piece of evidence is about the claim's own subject and predicate.

The stance model's commonest error is an on-topic sentence about another fact of the same
story read as a contradiction ("Putin visited a car factory in Harbin." against "he traveled
to Harbin to participate in the 8th China-Russia Expo"), and its second a sentence about
other people or places read as support ("Xi Jinping visited Moscow in May 2024." from "Putin
visited his Chinese counterpart Xi Jinping in Beijing"). Evidence can only bear on a claim if
it names who and where the claim names, and restates something of what the claim says
happened; otherwise, whatever the model's stance, it is not evidence for this claim.

Both tests are on words: names are the claim's capitalised words, compared by a prefix so
that "Russia" matches "Russian" and "China" matches "Chinese"; the rest are the claim's
content words compared by stem (index.words.stem).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.words import STOPWORDS, content_words, stem

_NAME = re.compile(r"([^\W_]+)(?:['’]s)?")  # group 1: the word without a possessive "'s"
_TOKEN = re.compile(r"[^\W_]+")
# Capitalised only because they open a sentence or are function words.
_FUNCTION_WORDS = (
    "a an in on at by of to as it is be this these those some many most all both two three "
    "there here according after before during while since until he she we i you our your no "
    "not one if but or so yet how why each every any such"
)
_MONTHS = (  # dates, which verify.checks compares
    "january february march april may june july august september october november december"
)
_MONTH_NAMES = frozenset(_MONTHS.split())
_NOT_NAMES = STOPWORDS | frozenset(f"{_FUNCTION_WORDS} {_MONTHS}".split())
# A refutation restates the claim: a sentence that shares one word with it ("visit") is
# about another fact of the same story (on the sample corpus, "Putin and Xi discussed energy"
# was REFUTED 0.72 from "Putin visited Xi Jinping in Beijing").
MIN_SHARED_TO_REFUTE = 2

# "Chinese Premier Li Qiang" is "Premier Li Qiang" in a text about China: a nationality word
# of the claim may come from the evidence's surroundings. Names of people and places may not.
_DEMONYM_ENDINGS = ("ese", "ian", "ish", "ean")
TOPIC_GATE_IDENTITY = "evidence names and restates the claim"  # how the audit trail names it


@dataclass(frozen=True)
class TopicMatch:
    """How much of the claim a piece of evidence restates."""

    missing_names: tuple[str, ...]  # names of the claim the evidence never mentions
    claim_names: int
    # Names that neither the evidence nor the text around it mentions ("It did not reduce
    # stroke risk" is about aspirin when the abstract is).
    missing_around: tuple[str, ...]
    # Stems of the claim's content words that the evidence states. Numbers and months are left
    # out of these counts: "May 2024" and "visit" are the setting of "Putin and Xi discussed
    # energy during the May 2024 visit", which a sentence about the visit restates without
    # saying anything of energy; and a number the evidence contradicts is never shared.
    shared_words: tuple[str, ...]
    claim_words: int
    # Of the shared words, those that are not names: what the claim says happened.
    shared_predicate_words: tuple[str, ...]
    claim_predicate_words: int

    @property
    def names_subject(self) -> bool:
        """The evidence mentions everyone and everything the claim names."""
        return not self.missing_names

    @property
    def restates_predicate(self) -> bool:
        """The evidence states at least one of the claim's own words beyond its names, or the
        claim is all names but one word ("Hoo Tiang Boon works at Nanyang Technological
        University": the names say what it is about, "a researcher at" restates "works at")."""
        if self.shared_predicate_words:
            return True
        return self.claim_predicate_words <= 1 and self.claim_names > 0

    @property
    def can_support(self) -> bool:
        """Support must come from evidence about the claim's own people, places and facts."""
        return self.names_subject and self.restates_predicate

    @property
    def can_refute(self) -> bool:
        """A refutation restates the claim and is about at least one of the people or places
        it names (not all: "Putin visited Xi in Beijing" refutes "Xi visited Moscow")."""
        if self.claim_names and len(self.missing_around) == self.claim_names:
            return False  # about someone else: China's oil purchases say nothing of Norway's
        return len(self.shared_words) >= min(MIN_SHARED_TO_REFUTE, self.claim_words)

    @property
    def share(self) -> float:
        """The share of the claim's words the evidence restates (1.0 for a claim of names)."""
        return len(self.shared_words) / self.claim_words if self.claim_words else 1.0

    def describe(self) -> str:
        if self.missing_names:
            return "the evidence does not mention " + ", ".join(self.missing_names)
        if not self.restates_predicate:
            return "the evidence says nothing of what the claim says happened"
        return "the evidence restates " + ", ".join(self.shared_words)


def names(text: str) -> tuple[str, ...]:
    """The capitalised words of the text, lower-cased, in order (possessive "'s" dropped)."""
    found: dict[str, None] = {}
    for match in _NAME.finditer(text):
        base = match.group(1)
        if base[:1].isupper() and base.lower() not in _NOT_NAMES and len(base) > 1:
            found[base.lower()] = None
    return tuple(found)


def _mentions(name: str, tokens: set[str]) -> bool:
    """A short name must stand as it is ("xi" is not "xinhua"); a longer one is matched by a
    prefix: "russ" for Russia/Russian, "chin" for China/Chinese."""
    if len(name) <= 3:
        return name in tokens
    prefix = name[: max(4, len(name) - 3)]
    return any(token.startswith(prefix) for token in tokens)


def _word_stems(text: str) -> set[str]:
    """Stems of the content words, numbers and months left out."""
    return {
        stem(word)
        for word in content_words(text)
        if not word.isdigit() and word not in _MONTH_NAMES
    }


def _is_demonym(name: str) -> bool:
    return len(name) > 5 and name.endswith(_DEMONYM_ENDINGS)


def topic_match(claim: str, evidence: str, context: str = "") -> TopicMatch:
    """How much of ``claim`` the ``evidence`` restates; ``context`` (the text around the
    evidence) may supply the nationality words the evidence leaves implicit, and, for a
    refutation, who or what a pronoun or a description stands for."""
    claim_names = names(claim)
    tokens = {token.lower() for token in _TOKEN.findall(evidence)}
    around = tokens | {token.lower() for token in _TOKEN.findall(context)}
    missing = tuple(
        name for name in claim_names if not _mentions(name, around if _is_demonym(name) else tokens)
    )
    missing_around = tuple(name for name in missing if not _mentions(name, around))
    name_stems = {stem(name) for name in claim_names}
    claim_stems = _word_stems(claim)
    shared = claim_stems & _word_stems(evidence)
    return TopicMatch(
        missing_names=missing,
        claim_names=len(claim_names),
        missing_around=missing_around,
        shared_words=tuple(sorted(shared)),
        claim_words=len(claim_stems),
        shared_predicate_words=tuple(sorted(shared - name_stems)),
        claim_predicate_words=len(claim_stems - name_stems),
    )
