"""Pairs made by pairing a claim with evidence that was written for another claim: neutral
pairs, and an unlabelled pool for a teacher to label (``unlabelled_pool``).

The published claim/evidence sets pair each claim with evidence that bears on it, so a
model trained on them alone never sees the commonest case of a retrieval pipeline: a
sentence on the same subject that says nothing about the claim. Such a model learns
"on topic, so supports or refutes" and calls unrelated evidence REFUTES. Half of the
pairs made here take a premise of the same dataset that shares the claim's rarest words
but at most half of its words (on topic, yet about something else: more overlap and it
is likely evidence for a sibling claim); the other half take a random premise.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence

from index.words import topic_words
from training.data import LabelledPair
from verify.labels import Stance

_NEUTRAL = frozenset({Stance.NEUTRAL})
# Any stance: a pair's gold loss is then zero (training/train.py: marginal_nll), so only a
# teacher's distribution teaches it.
UNLABELLED = frozenset(Stance)
_CANDIDATES = 30
_RAREST = 3
_MAX_SHARED = 0.5
_CROSS_TRIES = 5
_CROSS_PREMISE_WORDS = 30


def evidence_by_claim(pairs: Iterable[LabelledPair]) -> dict[str, set[str]]:
    """The premises each hypothesis is paired with: a made pair must never reuse them."""
    evidence: dict[str, set[str]] = {}
    for pair in pairs:
        evidence.setdefault(pair.hypothesis, set()).add(pair.premise)
    return evidence


def unrelated_neutrals(
    pairs: Sequence[LabelledPair], sources: Collection[str], limit: int, seed: int
) -> list[LabelledPair]:
    """Up to ``limit`` NEUTRAL pairs: a claim of ``sources`` with another claim's premise."""
    rng = random.Random(seed)
    by_source, evidence_of, postings, pool = _claims_to_pair(pairs, sources, rng)
    made: list[LabelledPair] = []
    used: set[tuple[str, str]] = set()
    for index, row in enumerate(pool):
        if len(made) >= limit:
            break
        rows = by_source[row.source]
        if index % 2 == 0:
            drawn = _on_topic(row, rows, postings[row.source], rng)
        else:
            drawn = [rng.choice(rows) for _ in range(_CANDIDATES)]
        candidates = [
            c
            for c in drawn
            if c.premise not in evidence_of[row.hypothesis] and c.hypothesis != row.hypothesis
        ]
        if not candidates:
            continue
        pick = candidates[0]
        key = (pick.premise, row.hypothesis)
        if key in used:
            continue
        used.add(key)
        made.append(LabelledPair(pick.premise, row.hypothesis, _NEUTRAL, f"unrelated:{row.source}"))
    return made


def _claims_to_pair(
    pairs: Sequence[LabelledPair], sources: Collection[str], rng: random.Random
) -> tuple[
    dict[str, list[LabelledPair]],
    dict[str, set[str]],
    dict[str, dict[str, list[int]]],
    list[LabelledPair],
]:
    """The rows of ``sources`` by source, each claim's own evidence, each source's premise
    postings, and the claims to pair (of sources with more than one row), shuffled."""
    by_source = _distinct_rows_by_source(pairs, sources)
    evidence_of = evidence_by_claim(row for rows in by_source.values() for row in rows)
    postings = {name: _premise_postings(rows) for name, rows in by_source.items()}
    claims = [row for rows in by_source.values() for row in rows if len(rows) > 1]
    rng.shuffle(claims)
    return by_source, evidence_of, postings, claims


def _distinct_rows_by_source(
    pairs: Sequence[LabelledPair], sources: Collection[str]
) -> dict[str, list[LabelledPair]]:
    """The rows of ``sources``, each (premise, hypothesis) once, grouped by source."""
    by_source: dict[str, list[LabelledPair]] = {}
    seen_rows: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair.source in sources and (pair.premise, pair.hypothesis) not in seen_rows:
            seen_rows.add((pair.premise, pair.hypothesis))
            by_source.setdefault(pair.source, []).append(pair)
    return by_source


def _premise_postings(rows: Sequence[LabelledPair]) -> dict[str, list[int]]:
    """Topic word -> positions of the rows whose premise has it."""
    words_at: dict[str, list[int]] = {}
    for position, row in enumerate(rows):
        for word in topic_words(row.premise):
            words_at.setdefault(word, []).append(position)
    return words_at


def unlabelled_pool(
    pairs: Sequence[LabelledPair], sources: Collection[str], limit: int, seed: int
) -> list[LabelledPair]:
    """Up to ``limit`` unlabelled pairs for a teacher to label (knowledge distillation): a
    claim of ``sources`` with a premise of the same dataset that shares its rarest words,
    never its own evidence. Any share of words goes: a sibling claim's evidence (it may
    support or refute) as much as another fact of the same story (neutral), the pairs on
    which the small judge errs most and gold labels do not exist."""
    rng = random.Random(seed)
    by_source, evidence_of, postings, claims = _claims_to_pair(pairs, sources, rng)
    made: list[LabelledPair] = []
    used: set[tuple[str, str]] = set()
    for row in claims:
        if len(made) >= limit:
            break
        for other in _on_topic(row, by_source[row.source], postings[row.source], rng, 1.0):
            key = (other.premise, row.hypothesis)
            if other.premise in evidence_of[row.hypothesis] or key in used:
                continue
            used.add(key)
            made.append(
                LabelledPair(other.premise, row.hypothesis, UNLABELLED, f"pool:{row.source}")
            )
            break
    return made


def _on_topic(
    row: LabelledPair,
    rows: Sequence[LabelledPair],
    postings: dict[str, list[int]],
    rng: random.Random,
    max_shared: float = _MAX_SHARED,
) -> list[LabelledPair]:
    """Rows whose premise shares the claim's rarest words, and at most ``max_shared`` of
    its words."""
    words = topic_words(row.hypothesis)
    # Ties broken by the word: a set's order changes from process to process.
    known = sorted((w for w in words if w in postings), key=lambda w: (len(postings[w]), w))
    found: list[LabelledPair] = []
    for word in known[:_RAREST]:
        for position in postings[word][:200]:
            other = rows[position]
            shared = len(words & topic_words(other.premise))
            if shared <= max_shared * len(words):
                found.append(other)
    rng.shuffle(found)
    return found[:_CANDIDATES]


def crossed_neutrals(pairs: Sequence[LabelledPair], limit: int, seed: int) -> list[LabelledPair]:
    """Up to ``limit`` NEUTRAL pairs: a premise and a hypothesis of two rows about different things.

    SNLI-style data describe one photo in both sentences, so two different events there
    contradict ("a man sleeps" vs "a man runs"). A model trained on it carries that over to
    news and calls any two unrelated events REFUTES ("Merkel met Macron in Paris" vs "Putin
    visited a car factory in Harbin"). Crossing rows whose sentences share no content word
    shows it sentences about different things, which say nothing about each other.
    """
    rng = random.Random(seed)
    # Short premises: single sentences like a retrieved news sentence, not whole abstracts.
    premises = sorted({p.premise for p in pairs if len(p.premise.split()) <= _CROSS_PREMISE_WORDS})
    if not premises or limit <= 0:
        return []
    rows = sorted({(pair.hypothesis, pair.source) for pair in pairs})
    rng.shuffle(rows)
    evidence_of = evidence_by_claim(pairs)
    words_of: dict[str, frozenset[str]] = {}
    made: list[LabelledPair] = []
    for hypothesis, source in rows:
        if len(made) >= limit:
            break
        words = topic_words(hypothesis)
        if not words:
            continue
        for premise in (rng.choice(premises) for _ in range(_CROSS_TRIES)):
            premise_words = words_of.get(premise)
            if premise_words is None:
                premise_words = words_of[premise] = topic_words(premise)
            if premise not in evidence_of[hypothesis] and not words & premise_words:
                made.append(LabelledPair(premise, hypothesis, _NEUTRAL, f"crossed:{source}"))
                break
    return made
