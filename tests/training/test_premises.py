from training.data import LabelledPair
from training.premises import padded_premises, pronoun_premises
from verify.labels import Stance

_SUPPORTS = frozenset({Stance.SUPPORTS})
_REFUTES = frozenset({Stance.REFUTES})
_NEUTRAL = frozenset({Stance.NEUTRAL})


def _pair(premise: str, hypothesis: str, allowed: frozenset[Stance] = _SUPPORTS) -> LabelledPair:
    return LabelledPair(premise, hypothesis, allowed, "fever")


def test_pronoun_replaces_the_claims_name_at_the_start_and_keeps_the_label() -> None:
    pairs = [
        _pair("Vladimir Putin visited Harbin in May.", "Vladimir Putin went to Harbin."),
        _pair("The Beatles were a band from Liverpool.", "The Beatles came from Liverpool."),
        _pair("Gazprom rejected the offer.", "Gazprom accepted the offer.", _REFUTES),
        _pair("Xi Jinping were hosts.", "Xi Jinping hosted.", _NEUTRAL),  # not decisive
        _pair("Elegy Written in a Country Churchyard is a poem.", "Elegy Written is a poem."),
        _pair("Thin-layer chromatography separates.", "Thin-layer chromatography is old."),
        _pair("Moscow hosted talks.", "Beijing hosted talks."),  # name not in the claim
    ]
    made = pronoun_premises(pairs, {"fever"}, limit=10, seed=3)
    by_claim = {p.hypothesis: p for p in made}
    assert set(by_claim) == {"Vladimir Putin went to Harbin.", "Gazprom accepted the offer."}
    putin = by_claim["Vladimir Putin went to Harbin."]
    assert putin.premise in {f"{p} visited Harbin in May." for p in ("He", "She", "It")}
    assert putin.allowed == _SUPPORTS
    assert putin.source == "pronoun:fever"
    assert by_claim["Gazprom accepted the offer."].allowed == _REFUTES
    assert pronoun_premises(pairs, {"other"}, limit=10, seed=3) == []


def test_padded_premise_keeps_the_evidence_and_adds_one_unrelated_sentence() -> None:
    pairs = [
        _pair(f"Company{i} reported revenue{i} last year.", f"Company{i} had revenue{i}.")
        for i in range(20)
    ] + [_pair("Rivers flood in spring. They recede later.", "Rivers flood.", _REFUTES)]
    made = padded_premises(pairs, {"fever"}, limit=15, seed=4)
    assert len(made) == 15
    originals = {p.hypothesis: p for p in pairs}
    for pair in made:
        original = originals[pair.hypothesis]
        assert original.premise in pair.premise
        assert pair.premise != original.premise
        assert pair.allowed == original.allowed
        extra = pair.premise.replace(original.premise, "").strip()
        assert "They recede later." not in extra  # only the first sentence is added
        # the added sentence shares no content word with the claim
        assert not ({w.lower() for w in extra.split()} & {"company", "revenue"})
    assert made == padded_premises(pairs, {"fever"}, limit=15, seed=4)
