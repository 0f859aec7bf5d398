import pytest

from verify.labels import (
    LabelMappingError,
    Stance,
    is_binary_gold,
    map_id2label,
    parse_gold_label,
)

S, R, N = Stance.SUPPORTS, Stance.REFUTES, Stance.NEUTRAL


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "entailment", 1: "neutral", 2: "contradiction"}, (S, N, R)),
        # cross-encoder/nli-* layout, string keys as in config.json
        ({"0": "contradiction", "1": "entailment", "2": "neutral"}, (R, S, N)),
        ({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, (S, N, R)),
        ({0: "SUPPORTS", 1: "REFUTES", 2: "NOT ENOUGH INFO"}, (S, R, N)),
        ({0: "refuted", 1: "not_enough_info", 2: "supported"}, (R, N, S)),
    ],
)
def test_maps_common_layouts(id2label: dict[int | str, str], expected: tuple[Stance, ...]) -> None:
    assert map_id2label(id2label) == expected


@pytest.mark.parametrize(
    ("id2label", "message"),
    [
        ({0: "entailment", 1: "not_entailment"}, "exactly 3 labels"),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "not a known name"),
        ({0: "entailment", 1: "supports", 2: "neutral"}, "not one each"),
        ({0: "entailment", 2: "neutral", 3: "contradiction"}, "0..n-1"),
        ({"a": "entailment", "b": "neutral", "c": "contradiction"}, "integers"),
    ],
)
def test_rejects_unusable_layouts(id2label: dict[int | str, str], message: str) -> None:
    with pytest.raises(LabelMappingError, match=message):
        map_id2label(id2label)


def test_gold_labels_of_every_vocabulary() -> None:
    assert parse_gold_label("entailment") == {S}
    assert parse_gold_label("SUPPORT") == {S}
    assert parse_gold_label("CONTRADICT") == {R}
    assert parse_gold_label("Neutral") == {N}
    assert parse_gold_label("not_entailment") == {R, N}
    assert is_binary_gold(parse_gold_label("not_entailment"))
    assert not is_binary_gold(parse_gold_label("neutral"))
    with pytest.raises(LabelMappingError, match="unknown gold label"):
        parse_gold_label("maybe")


def test_precision_auto_follows_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from verify import stance_model

    monkeypatch.setattr(stance_model, "native_bf16", lambda: True)
    assert stance_model.resolve_precision("auto") == "bf16"
    monkeypatch.setattr(stance_model, "native_bf16", lambda: False)
    assert stance_model.resolve_precision("auto") == "fp32"
    assert stance_model.resolve_precision("int8") == "int8"
    with pytest.raises(ValueError, match="precision"):
        stance_model.resolve_precision("fp8")
