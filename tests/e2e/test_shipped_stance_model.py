"""The shipped stance model, loaded offline from the repository, on clear cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.stance_eval import read_eval_rows, stance_report
from factdesk.cli import main
from factdesk.core.settings import Settings, StanceSettings
from factdesk.wiring import load_stance
from tests.conftest import SHIPPED_STANCE_MODEL
from verify.checks import apply_checks
from verify.labels import Stance
from verify.stance_model import (
    StancePair,
    TransformersStanceModel,
    stance_of,
)
from verify.symmetric import combine_directions, reversed_pairs

pytestmark = pytest.mark.slow


MODEL_GAP = pytest.mark.xfail(
    strict=True,
    reason="the shipped stance-minilm-l6 (licence-clean) misjudges this, as the "
    "non-commercial v4 did (issue 2 notes: evidence whose subject is a pronoun, and on-topic "
    "sentences about something else, are often called REFUTES; a negation far from the "
    "words the claim shares is missed); the checks and the topic gate catch these in the "
    "service; strict, so a better model makes this test fail loudly",
)


@pytest.fixture(scope="module")
def model() -> TransformersStanceModel:
    return load_stance(Settings(), str(SHIPPED_STANCE_MODEL))


PIPELINE = (
    "Moreover, the long-awaited Power of Siberia 2 natural gas pipeline project – which has "
    "been indefinitely delayed due to disagreements over pricing – was not mentioned."
)


@pytest.mark.parametrize(
    ("evidence", "claim", "expected"),
    [
        pytest.param(
            "They met in Beijing, and signed the Joint Statement.",
            "Putin and Xi signed a joint statement in Beijing.",
            Stance.SUPPORTS,
            marks=MODEL_GAP,
        ),
        pytest.param(
            "Russia and China also oppose the expansion of NATO and will cooperate against "
            "U.S. interests.",
            "China supports the expansion of NATO.",
            Stance.REFUTES,
            marks=MODEL_GAP,
        ),
        (  # v3 called this REFUTES; v4's crossed neutrals fixed it
            "They also declared cooperation on climate change, an area in which the EU is "
            "seeking to maintain communication with China.",
            "Putin visited a car factory in Harbin.",
            Stance.NEUTRAL,
        ),
        (
            "The museum reopened after renovation.",
            "Angela Merkel met the French president in Paris on Tuesday.",
            Stance.NEUTRAL,
        ),
    ],
)
def test_clear_cases(
    model: TransformersStanceModel, evidence: str, claim: str, expected: Stance
) -> None:
    assert stance_of(model.predict([StancePair(evidence, claim)])[0]) is expected


@MODEL_GAP  # the polarity check refutes it as served (tests/e2e/test_service_real_models.py)
def test_power_of_siberia_2_is_not_supported_by_the_not_mentioned_sentence(
    model: TransformersStanceModel,
) -> None:
    probabilities = model.predict([StancePair(PIPELINE, "Power of Siberia 2 was agreed.")])[0]
    assert stance_of(probabilities) is not Stance.SUPPORTS


def test_number_conflict_is_refuted_with_checks(model: TransformersStanceModel) -> None:
    evidence = "Russia's trade with China reached a record $240 billion last year."
    claim = "Russia's trade with China reached $140 billion last year."
    pair = StancePair(evidence, claim)
    checked = apply_checks([pair], model.predict([pair]))[0]
    assert stance_of(checked) is Stance.REFUTES


def test_antonym_conflict_is_refuted_with_checks(model: TransformersStanceModel) -> None:
    # The model alone splits this between SUPPORTS and REFUTES (the xfail clear case above).
    pair = StancePair(
        "Russia and China also oppose the expansion of NATO and will cooperate against "
        "U.S. interests.",
        "China supports the expansion of NATO.",
    )
    forward = model.predict([pair])
    both = combine_directions(forward, model.predict(reversed_pairs([pair])))
    assert stance_of(apply_checks([pair], both)[0]) is Stance.REFUTES


# bf16 (what "auto" picks on a CPU with native bf16) rounds padded and unpadded rows
# differently, by up to about 1e-3; fp32 agrees to 1e-4, which is what tests the reordering.
@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-4), ("bf16", 3e-3)])
def test_probabilities_are_distributions_and_batches_agree(
    precision: str, tolerance: float
) -> None:
    model = load_stance(
        Settings(stance=StanceSettings(precision=precision)), str(SHIPPED_STANCE_MODEL)
    )
    # Lengths differ and are out of order: the model sorts them into batches and back.
    pairs = [StancePair(PIPELINE, f"Claim {i} about gas" + " and oil" * (5 - i)) for i in range(5)]
    together = model.predict(pairs)
    alone = [model.predict([p])[0] for p in pairs]
    assert together.shape == (5, 3)
    assert together.sum(axis=1) == pytest.approx([1.0] * 5, abs=1e-5)
    for row, single in zip(together, alone, strict=True):
        assert row == pytest.approx(single, abs=tolerance)
    assert model.identity["labels"] == "SUPPORTS,NEUTRAL,REFUTES"


def test_stance_eval_cli_prints_the_figures(
    model: TransformersStanceModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "premise": "They met in Beijing and signed the Joint Statement.",
            "hypothesis": "They signed a joint statement.",
            "label": "entailment",
        },
        {
            "premise": "Russia and China oppose the expansion of NATO.",
            "hypothesis": "China supports the expansion of NATO.",
            "label": "contradiction",
        },
        {
            "premise": "The EU seeks to keep talking with China on climate.",
            "hypothesis": "Putin visited a car factory.",
            "label": "neutral",
        },
        {
            "premise": PIPELINE,
            "hypothesis": "Power of Siberia 2 was agreed.",
            "label": "contradiction",
        },
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out_json = tmp_path / "figures.json"
    code = main(
        ["stance", "eval", str(path), "--model", str(SHIPPED_STANCE_MODEL), "--json", str(out_json)]
    )
    printed = capsys.readouterr().out
    rows_read = read_eval_rows(path)
    pairs = [row.pair for row in rows_read]
    forward = model.predict(pairs)
    both = combine_directions(forward, model.predict(reversed_pairs(pairs)))
    expected = {
        name: stance_report(rows_read, probabilities)[1]
        for name, probabilities in {
            "model": forward,
            "model+checks": apply_checks(pairs, forward),
            "both directions": both,
            "both directions+checks": apply_checks(pairs, both),
        }.items()
    }
    assert code == 0
    sections = {
        part.split("): ", 1)[1].split("\n", 1)[0]: part for part in printed.split("== ")[1:]
    }
    assert list(sections) == list(expected)
    figures = json.loads(out_json.read_text(encoding="utf-8"))
    for name, result in expected.items():
        assert f"n=4  accuracy={result.accuracy:.4f}" in sections[name]
        assert f"macro-F1={result.macro_f1:.4f}" in sections[name]
        assert "confusion (rows: gold, columns: predicted)" in sections[name]
        assert figures[name]["accuracy"] == pytest.approx(result.accuracy)
    assert figures["model"]["mode"] == "3-way"
    assert figures["model"]["confusion"] == expected["model"].confusion


def test_cli_reports_a_bad_file_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"premise": "p"}\n', encoding="utf-8")
    code = main(["stance", "eval", str(path), "--model", str(SHIPPED_STANCE_MODEL)])
    assert code == 2
    assert "line 1: needs one of the fields" in capsys.readouterr().err
