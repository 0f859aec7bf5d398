from index.words import topic_words
from training.data import LabelledPair
from training.neutrals import UNLABELLED, crossed_neutrals, unlabelled_pool, unrelated_neutrals
from verify.labels import Stance

_SUPPORTS = frozenset({Stance.SUPPORTS})


def _rows(source: str, n: int) -> list[LabelledPair]:
    return [
        LabelledPair(
            premise=f"Evidence sentence number {i} about topic{i} and harbour{i % 3}.",
            hypothesis=f"Claim {i} says topic{i} matters for harbour{i % 3}.",
            allowed=_SUPPORTS,
            source=source,
        )
        for i in range(n)
    ]


def test_neutrals_pair_a_claim_with_another_claims_evidence_of_the_same_source() -> None:
    pairs = _rows("fever", 40) + _rows("other", 40)
    made = unrelated_neutrals(pairs, {"fever"}, limit=30, seed=1)
    assert len(made) == 30
    premises_of = {p.hypothesis: p.premise for p in pairs if p.source == "fever"}
    fever_premises = set(premises_of.values())
    for pair in made:
        assert pair.allowed == frozenset({Stance.NEUTRAL})
        assert pair.source == "unrelated:fever"
        assert pair.premise in fever_premises
        assert pair.premise != premises_of[pair.hypothesis]
    assert len({(p.premise, p.hypothesis) for p in made}) == len(made)
    assert made == unrelated_neutrals(pairs, {"fever"}, limit=30, seed=1)


def test_on_topic_neutrals_share_words_with_the_claim() -> None:
    made = unrelated_neutrals(_rows("fever", 60), {"fever"}, limit=40, seed=2)
    overlapping = [p for p in made if topic_words(p.premise) & topic_words(p.hypothesis)]
    # Every other pair is drawn on topic (sharing the harbour word); random ones may not.
    assert len(overlapping) >= len(made) // 2


def test_no_neutrals_without_sources_or_with_a_zero_limit() -> None:
    pairs = _rows("fever", 10)
    assert unrelated_neutrals(pairs, {"absent"}, limit=10, seed=1) == []
    assert unrelated_neutrals(pairs, {"fever"}, limit=0, seed=1) == []


def _scene(premise: str, hypothesis: str, source: str = "snli") -> LabelledPair:
    return LabelledPair(premise, hypothesis, frozenset({Stance.REFUTES}), source)


def test_crossed_neutrals_pair_sentences_that_share_no_content_word() -> None:
    pairs = [
        _scene("A small boy purchases vegetables from an older man.", "A girl sits quietly."),
        _scene("Two dogs are swimming in a river.", "The animals are asleep indoors."),
        _scene("A woman plays the violin on stage.", "Nobody performs music tonight."),
        _scene("Merkel met the French president in Paris.", "Merkel stayed home all week."),
    ]
    made = crossed_neutrals(pairs, limit=10, seed=3)
    assert made
    evidence = {(p.premise, p.hypothesis) for p in pairs}
    for pair in made:
        assert pair.allowed == frozenset({Stance.NEUTRAL})
        assert pair.source == "crossed:snli"
        assert (pair.premise, pair.hypothesis) not in evidence
        assert not topic_words(pair.premise) & topic_words(pair.hypothesis)
    assert made == crossed_neutrals(pairs, limit=10, seed=3)


def test_crossed_neutrals_skip_long_premises_and_respect_the_limit() -> None:
    long_premise = " ".join(f"word{i}" for i in range(40))
    pairs = [_scene(long_premise, f"Claim about topic{i}.") for i in range(20)]
    assert crossed_neutrals(pairs, limit=5, seed=1) == []  # no premise short enough
    pairs += [_scene(f"Short sentence number{i}.", f"Other claim{i} here.") for i in range(20)]
    assert len(crossed_neutrals(pairs, limit=5, seed=1)) == 5
    assert crossed_neutrals(pairs, limit=0, seed=1) == []


def test_the_unlabelled_pool_pairs_a_claim_with_on_topic_evidence_of_other_claims() -> None:
    pairs = _rows("fever", 60) + _rows("other", 60)
    made = unlabelled_pool(pairs, {"fever"}, limit=40, seed=4)
    assert len(made) == 40
    own = {p.hypothesis: p.premise for p in pairs}
    fever_premises = {p.premise for p in pairs if p.source == "fever"}
    for pair in made:
        assert pair.allowed == UNLABELLED == frozenset(Stance)  # the teacher labels it
        assert pair.source == "pool:fever"
        assert pair.premise in fever_premises
        assert pair.premise != own[pair.hypothesis]
        # on topic: it shares the claim's rarest word (its harbour), unlike a random premise
        assert topic_words(pair.premise) & topic_words(pair.hypothesis)
    assert len({(p.premise, p.hypothesis) for p in made}) == len(made)
    assert made == unlabelled_pool(pairs, {"fever"}, limit=40, seed=4)
    assert unlabelled_pool(pairs, {"fever"}, limit=0, seed=4) == []
