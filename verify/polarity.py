"""Explicit check of polarity between a claim and its evidence: negation and antonyms.

A small cross-encoder leans on word overlap: "China supports the expansion of NATO" against
"Russia and China also oppose the expansion of NATO" shares every content word but the verb,
and the model splits its mass between SUPPORTS and REFUTES. When the evidence restates most
of the claim's content words but with the opposite polarity (a word that one side states and
the other negates, or a word of the claim replaced by its antonym), it cannot support the
claim. An even number of flips ("does not oppose" vs "supports") is no conflict.

Words are compared by a crude stem (suffixes -s, -es, -ed, -ing and a final -e dropped; -ied,
-ies and -ying made -y), which is enough to match "agreed" with "agree", "opposes" with
"oppose" and "accompanied" with "accompanying"; irregular forms are listed in the antonym
table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.words import content_words, stem

# Words of opposite polarity that a claim and its evidence swap. Each side lists its base
# forms; inflections are matched through index.words.stem. Kept to pairs whose opposition
# holds in any context (not "up"/"down" or "first"/"last", which often describe different things).
_ANTONYMS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in [
        ("support backing", "oppose opposition against"),
        ("accept approve", "reject refuse decline"),
        ("agree", "disagree refuse"),
        ("allow permit legalize", "ban prohibit forbid"),
        (
            "increase rise rose risen grow grew grown growth",
            "decrease fall fell fallen decline shrink shrank",
        ),
        ("gain", "loss lose lost"),
        ("win won", "lose lost"),
        ("strengthen", "weaken"),
        ("expand expansion", "contract contraction"),
        ("praise welcome appreciate", "condemn criticize criticise denounce"),
        ("confirm", "deny denied"),
        ("include", "exclude"),
        ("succeed success", "fail failure"),
        ("higher", "lower"),
        ("more", "less fewer"),
        ("above", "below"),
        ("largest biggest", "smallest"),
        ("legal", "illegal"),
        ("possible", "impossible"),
        ("likely", "unlikely"),
        ("able", "unable"),
        ("public", "secret"),
        ("lift", "impose"),
        ("ally allies", "enemy enemies adversary"),
    ]
)
# Explicit negators only: implicit ones ("lack of X", "X deficiency", "knockout") more often
# name a condition than deny a statement (SciFact train: 3 of 4 such firings were wrong).
_NEGATORS = (
    "not",
    "no",
    "never",
    "none",
    "nothing",
    "nobody",
    "neither",
    "nor",
    "without",
    "cannot",
)
_NEGATION = re.compile(
    # "not only" / "not just" add rather than deny, "not until 1998 did they act" says they
    # acted; "with and without X" compares. "Has yet to agree" says the agreement has not
    # happened (FEVER NLI test: all 26 pairs it adds are not entailed).
    rf"(?<!\bwith and )(?<!\bwith or )(?:\b(?:{'|'.join(_NEGATORS)})\b|n't\b|\byet\s+to\b)"
    r"(?!\s+(?:only|just|merely|until)\b)",
    re.IGNORECASE,
)
# "Cannot be addressed until the two countries agree": what a negated clause waits for has not
# happened yet, so "until" negates the words after it. Not after a plain clause ("he was
# homeless until the United Way helped" says the help came), nor in "not until 1998 did
# they act", which says they acted.
_UNTIL = re.compile(r"\buntil\b", re.IGNORECASE)
_NOT_BEFORE = re.compile(r"\bnot\s*$", re.IGNORECASE)  # the clause before "until" ends in "not"
# A negator negates the few words after it, up to the end of its clause: "was not mentioned",
# "has never formally agreed". Beyond that it most often negates something the claim never said.
_SCOPE_WORDS = 4
_NOT_CONTENT = frozenset([*_NEGATORS, "yet", "until"])
_CLAUSE_END = re.compile(r"[,;:.!?()\[\]\u2013\u2014\"]|\s-\s")
_TOKEN = re.compile(r"[\w\-]+")
MIN_COVERAGE = 0.6  # share of the claim's other content words the evidence must restate
_MIN_SHARED = 2


def _stems(text: str) -> dict[str, str]:
    """Stem -> the word of the text it came from, for the content words of the text (the
    negators are not content: "was not mentioned" restates "was mentioned" in full)."""
    return {stem(word): word for word in sorted(content_words(text) - _NOT_CONTENT)}


@dataclass(frozen=True)
class _Negation:
    scope: frozenset[str]  # stems of the words the negator negates
    part: frozenset[str]  # stems of its part of the sentence (between semicolons)


def _negations(text: str) -> list[_Negation]:
    """The negators of the text, each with the content words in its scope."""
    text = text.replace("’", "'")
    found: list[_Negation] = []
    for match in [*_NEGATION.finditer(text), *_awaited(text)]:
        clause = _CLAUSE_END.split(text[match.end() :], maxsplit=1)[0]
        scope = " ".join(clause.split()[:_SCOPE_WORDS])
        part_start = text.rfind(";", 0, match.start()) + 1
        part_end = text.find(";", match.end())
        part = text[part_start : part_end if part_end >= 0 else len(text)]
        found.append(_Negation(frozenset(_stems(scope)), frozenset(_stems(part))))
    return found


def _awaited(text: str) -> list[re.Match[str]]:
    """The "until"s that follow a negated clause: what they introduce has not happened."""
    found: list[re.Match[str]] = []
    for match in _UNTIL.finditer(text):
        clause = _CLAUSE_END.split(text[: match.start()])[-1]
        if _NEGATION.search(clause) and not _NOT_BEFORE.search(clause):
            found.append(match)
    return found


_ANTONYM_STEMS = tuple((frozenset(map(stem, a)), frozenset(map(stem, b))) for a, b in _ANTONYMS)


def _swapped_antonyms(claim: set[str], evidence: set[str]) -> list[tuple[str, str]]:
    """(claim word, evidence word) pairs of opposite polarity that only one side uses."""
    swaps: list[tuple[str, str]] = []
    for left, right in _ANTONYM_STEMS:
        for mine, theirs in ((left, right), (right, left)):
            said = claim & mine - evidence
            opposite = evidence & theirs - claim
            if said and opposite and not claim & theirs and not evidence & mine:
                swaps.append((min(said), min(opposite)))
    return swaps


def _one_sided_negation(
    claim: dict[str, str], evidence: dict[str, str], claim_text: str, evidence_text: str
) -> tuple[list[str], set[str]]:
    """Why one side negates a word that the other states plainly ("was not mentioned" vs
    "was mentioned"), and the evidence words to compare with the claim: the evidence's part
    holding the negator ("...; there was no evidence of X" says nothing of the first part).
    Empty when both sides negate something: word scopes are too crude to say whether they
    negate the same thing."""
    claim_negations, evidence_negations = _negations(claim_text), _negations(evidence_text)
    if claim_negations and evidence_negations:
        return [], set(evidence)
    for negation in evidence_negations:
        if flipped := negation.scope & set(claim):
            return [f"evidence negates {evidence[s]!r}" for s in sorted(flipped)], set(
                negation.part
            )
    for negation in claim_negations:
        if flipped := negation.scope & set(evidence):
            return [f"claim negates {claim[s]!r}" for s in sorted(flipped)], set(evidence)
    return [], set(evidence)


def _names(text: str) -> set[str]:
    """The capitalised words after the first, lower-cased: who and what the text is about."""
    return {word.lower() for word in _TOKEN.findall(text)[1:] if word[0].isupper()}


def polarity_conflicts(claim: str, evidence: str) -> list[str]:
    """Why the evidence states the claim's content with the opposite polarity; empty if not."""
    evidence_tokens = {token.lower() for token in _TOKEN.findall(evidence)}
    if not _names(claim) <= evidence_tokens:
        return []  # about someone else: "Xi did not attend" says nothing of "Putin attended"
    claim_words, evidence_words = _stems(claim), _stems(evidence)
    swaps = _swapped_antonyms(set(claim_words), set(evidence_words))
    negations, restated = _one_sided_negation(claim_words, evidence_words, claim, evidence)
    if (len(swaps) + bool(negations)) % 2 == 0:
        return []  # nothing flipped, or flipped twice ("does not oppose" vs "supports")
    rest = set(claim_words) - {claim_stem for claim_stem, _ in swaps}
    shared = rest & restated
    if len(shared) < _MIN_SHARED or len(shared) < MIN_COVERAGE * len(rest):
        return []  # the evidence is about something else: its polarity says nothing here
    return [
        f"claim says {claim_words[a]!r}, evidence says {evidence_words[b]!r}" for a, b in swaps
    ] + negations
