"""Stance labels and the mapping from a model's own ``id2label`` onto them."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from factdesk.core.errors import FactdeskError


class Stance(enum.StrEnum):
    """How an evidence passage bears on a claim."""

    SUPPORTS = "SUPPORTS"
    REFUTES = "REFUTES"
    NEUTRAL = "NEUTRAL"


STANCES: tuple[Stance, ...] = (Stance.SUPPORTS, Stance.REFUTES, Stance.NEUTRAL)
# The columns of a probability matrix (verify.stance_model.Probabilities), by name.
SUPPORTS_COLUMN = STANCES.index(Stance.SUPPORTS)
REFUTES_COLUMN = STANCES.index(Stance.REFUTES)
NEUTRAL_COLUMN = STANCES.index(Stance.NEUTRAL)

# Spellings used by NLI and fact-verification models on model hubs. Matching is on the
# lower-cased name with separators removed, so "NOT ENOUGH INFO" and "not_enough_info" agree.
_SYNONYMS: dict[str, Stance] = {
    "entailment": Stance.SUPPORTS,
    "entails": Stance.SUPPORTS,
    "entailed": Stance.SUPPORTS,
    "support": Stance.SUPPORTS,
    "supports": Stance.SUPPORTS,
    "supported": Stance.SUPPORTS,
    "contradiction": Stance.REFUTES,
    "contradicts": Stance.REFUTES,
    "contradict": Stance.REFUTES,
    "refute": Stance.REFUTES,
    "refutes": Stance.REFUTES,
    "refuted": Stance.REFUTES,
    "neutral": Stance.NEUTRAL,
    "notenoughinfo": Stance.NEUTRAL,
    "nei": Stance.NEUTRAL,
}


class LabelMappingError(FactdeskError, ValueError):
    """The model's labels cannot be mapped one-to-one onto SUPPORTS / REFUTES / NEUTRAL."""


def normalise_label_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def stance_for_label_name(name: str) -> Stance | None:
    return _SYNONYMS.get(normalise_label_name(name))


def map_id2label(id2label: Mapping[int | str, str]) -> tuple[Stance, ...]:
    """Return, for each output index of the model, the stance it stands for.

    ``id2label`` comes from the model's config (keys may be ints or numeric strings, as in
    JSON). Every stance must appear exactly once, so a binary entailment model or a config with
    generic ``LABEL_0`` names is rejected rather than guessed at.
    """
    try:
        indexed = {int(key): value for key, value in id2label.items()}
    except (TypeError, ValueError) as exc:
        raise LabelMappingError(f"id2label keys must be integers, got {list(id2label)}") from exc
    if sorted(indexed) != list(range(len(indexed))):
        raise LabelMappingError(f"id2label keys must be 0..n-1, got {sorted(indexed)}")
    if len(indexed) != len(STANCES):
        raise LabelMappingError(
            f"a stance model needs exactly 3 labels (supports/refutes/neutral); "
            f"this one has {len(indexed)}: {[indexed[i] for i in sorted(indexed)]}"
        )
    stances: list[Stance] = []
    for index in range(len(indexed)):
        stance = stance_for_label_name(indexed[index])
        if stance is None:
            raise LabelMappingError(
                f"label {indexed[index]!r} (index {index}) is not a known name for "
                f"supports/refutes/neutral; known names: {sorted(_SYNONYMS)}"
            )
        stances.append(stance)
    if len(set(stances)) != len(STANCES):
        raise LabelMappingError(f"labels {list(indexed.values())} map to {stances}: not one each")
    return tuple(stances)


# Binary NLI data says only "entailment" or "not"; the latter allows either of the other two.
_NOT_SUPPORTS = frozenset({Stance.REFUTES, Stance.NEUTRAL})
_BINARY_NEGATIVE_NAMES = {"notentailment", "nonentailment", "notsupported", "notsupports"}


def parse_gold_label(name: str) -> frozenset[Stance]:
    """The set of stances a gold label allows: one for 3-way labels, two for 'not_entailment'."""
    normalised = normalise_label_name(name)
    if normalised in _BINARY_NEGATIVE_NAMES:
        return _NOT_SUPPORTS
    stance = stance_for_label_name(name)
    if stance is None:
        raise LabelMappingError(
            f"unknown gold label {name!r}: use entailment/neutral/contradiction, "
            "SUPPORTS/REFUTES/NEUTRAL or entailment/not_entailment"
        )
    return frozenset({stance})


def is_binary_gold(allowed: frozenset[Stance]) -> bool:
    return allowed == _NOT_SUPPORTS
