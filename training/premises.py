"""Premise variants that keep the label: the shapes evidence takes inside news articles.

The published claim/evidence sets quote evidence that names its subject and says little
else. A retrieved sentence of an article often does neither: it opens with a pronoun
("They met in Beijing, and signed the Joint Statement") or carries the evidence next to
unrelated content. A model trained only on the tidy form reads both as contradictions.
From single-label SUPPORTS and REFUTES pairs we make twins whose premise has
- its leading subject, a name the claim also uses, replaced by a pronoun;
- one sentence of another, unrelated premise of the same dataset added before or after.
Neither change alters what the premise says about the claim, so the label is kept.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Sequence

from index.words import topic_words
from training.data import LabelledPair
from training.neutrals import evidence_by_claim
from verify.labels import Stance

_DECISIVE = (frozenset({Stance.SUPPORTS}), frozenset({Stance.REFUTES}))
# One to four capitalised words opening the sentence, then the verb that follows them.
_LEADING_NAME = re.compile(r"^((?:[A-Z][\w'’.\-]*\s+){0,3}[A-Z][\w'’.\-]*)\s+([a-z]+)\b")
_PLURAL_VERBS = frozenset({"are", "were", "have", "do", "say", "claim"})
_NOT_NAMES = frozenset({"the", "a", "an", "in", "on", "at", "this", "that", "it", "he", "she"})
# The word after the name must read as a verb, else the capitals were a title or a
# hyphenated term ("Thin-layer chromatography"), not a subject.
_AUXILIARIES = frozenset(
    {"is", "was", "are", "were", "has", "had", "have", "will", "would", "can", "could", "did"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SINGULAR_PRONOUNS = ("He", "She", "It")
_MAX_PADDED_CHARS = 400
_MAX_SHARED_WITH_CLAIM = 0.25


def _decisive(pairs: Sequence[LabelledPair], sources: Collection[str]) -> list[LabelledPair]:
    return [p for p in pairs if p.source in sources and p.allowed in _DECISIVE]


def _with_pronoun(pair: LabelledPair, rng: random.Random) -> str | None:
    match = _LEADING_NAME.match(pair.premise)
    if match is None:
        return None
    name, verb = match.group(1), match.group(2)
    if (
        name.split()[0].lower() in _NOT_NAMES
        or not (verb in _AUXILIARIES or (len(verb) > 3 and verb.endswith(("ed", "s"))))
        or name not in pair.hypothesis
    ):
        return None
    pronoun = "They" if verb in _PLURAL_VERBS else rng.choice(_SINGULAR_PRONOUNS)
    return pronoun + pair.premise[len(name) :]


def pronoun_premises(
    pairs: Sequence[LabelledPair], sources: Collection[str], limit: int, seed: int
) -> list[LabelledPair]:
    """Up to ``limit`` twins whose premise opens with a pronoun instead of the claim's name."""
    rng = random.Random(seed)
    candidates = _decisive(pairs, sources)
    rng.shuffle(candidates)
    made: list[LabelledPair] = []
    for pair in candidates:
        if len(made) >= limit:
            break
        premise = _with_pronoun(pair, rng)
        if premise is not None:
            made.append(
                LabelledPair(premise, pair.hypothesis, pair.allowed, f"pronoun:{pair.source}")
            )
    return made


def padded_premises(
    pairs: Sequence[LabelledPair], sources: Collection[str], limit: int, seed: int
) -> list[LabelledPair]:
    """Up to ``limit`` twins whose premise carries an unrelated sentence before or after it."""
    rng = random.Random(seed)
    candidates = _decisive(pairs, sources)
    premises_of: dict[str, list[str]] = {}
    for pair in pairs:
        if pair.source in sources:
            premises_of.setdefault(pair.source, []).append(pair.premise)
    evidence_of = evidence_by_claim(pairs)
    rng.shuffle(candidates)
    made: list[LabelledPair] = []
    for pair in candidates:
        if len(made) >= limit:
            break
        claim_words = topic_words(pair.hypothesis)
        other = _SENTENCE_END.split(rng.choice(premises_of[pair.source]), maxsplit=1)[0]
        shared = len(claim_words & topic_words(other))
        if (
            other in evidence_of[pair.hypothesis]
            or shared > _MAX_SHARED_WITH_CLAIM * max(1, len(claim_words))
            or len(pair.premise) + len(other) + 1 > _MAX_PADDED_CHARS
        ):
            continue
        premise = f"{pair.premise} {other}" if rng.random() < 0.5 else f"{other} {pair.premise}"
        made.append(LabelledPair(premise, pair.hypothesis, pair.allowed, f"padded:{pair.source}"))
    return made
