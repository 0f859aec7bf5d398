from training.augment import counterfactual_contradictions
from training.data import LabelledPair
from verify.labels import Stance

SUPPORTS = frozenset({Stance.SUPPORTS})


def pair(premise: str, hypothesis: str, allowed: frozenset[Stance] = SUPPORTS) -> LabelledPair:
    return LabelledPair(premise, hypothesis, allowed, "test")


def test_makes_refuted_twins_that_differ_in_one_token() -> None:
    pairs = [
        pair("Trade reached 240 billion in 2023.", "Trade reached 240 billion."),
        pair("The talks were held in March.", "The talks were in March."),
        pair("Exports rose sharply.", "Exports rose."),
        pair("COVID-19 spread.", "COVID-19 spread."),  # entity names are not numbers
        pair(
            "Trade reached 240 billion.", "Trade reached 240 billion.", frozenset({Stance.NEUTRAL})
        ),
    ]
    made = counterfactual_contradictions(pairs, limit=10, seed=1)
    assert {m.allowed for m in made} == {frozenset({Stance.REFUTES})}
    hypotheses = {m.hypothesis for m in made}
    assert len(made) == 3
    assert "COVID-19 spread." not in hypotheses
    assert "Exports fell." in hypotheses
    assert any(h.startswith("Trade reached ") and "240" not in h for h in hypotheses)
    assert any(h.startswith("The talks were in ") and "March" not in h for h in hypotheses)


def test_is_deterministic_and_limited() -> None:
    pairs = [pair(f"It cost {n} dollars.", f"It cost {n} dollars.") for n in range(10, 60)]
    first = counterfactual_contradictions(pairs, limit=5, seed=7)
    assert len(first) == 5
    assert first == counterfactual_contradictions(pairs, limit=5, seed=7)
