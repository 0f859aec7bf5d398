import json
from pathlib import Path

import pytest

from evaluation.stance_eval import EvalFileError, evaluate_stance, read_eval_rows, stance_report
from tests.fakes import FakeStanceModel
from verify.labels import Stance


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_three_way_figures(tmp_path: Path) -> None:
    rows = [
        {"premise": "p", "hypothesis": "signed it", "label": "entailment"},
        {"premise": "p", "hypothesis": "agreed it", "label": "contradiction"},
        {"premise": "p", "hypothesis": "other", "label": "neutral"},
        {"premise": "p", "hypothesis": "agreed too", "label": "neutral"},
    ]
    model = FakeStanceModel({"agreed": Stance.REFUTES, "signed": Stance.SUPPORTS})
    result = evaluate_stance(model, read_eval_rows(write_jsonl(tmp_path / "e.jsonl", rows)))
    assert result.mode == "3-way"
    assert result.report.accuracy == pytest.approx(0.75)
    assert result.report.confusion["NEUTRAL"] == {"SUPPORTS": 0, "REFUTES": 1, "NEUTRAL": 1}


def test_binary_file_scores_entailment_vs_not(tmp_path: Path) -> None:
    rows = [
        {"premise": "p", "hypothesis": "signed", "label": "entailment"},
        {"premise": "p", "hypothesis": "agreed", "label": "not_entailment"},
        {"premise": "p", "hypothesis": "other", "label": "not_entailment"},
        {"premise": "p", "hypothesis": "signed", "label": "not_entailment"},
    ]
    model = FakeStanceModel({"agreed": Stance.REFUTES, "signed": Stance.SUPPORTS})
    result = evaluate_stance(model, read_eval_rows(write_jsonl(tmp_path / "b.jsonl", rows)))
    assert result.mode == "binary"
    assert result.report.labels == ("entailment", "not_entailment")
    assert result.report.accuracy == pytest.approx(0.75)


def test_supports_vs_refutes_file_scores_the_more_likely_of_the_two(tmp_path: Path) -> None:
    rows = [
        {"evidence": "e", "claim": "signed", "label": "SUPPORTS"},
        {"evidence": "e", "claim": "agreed", "label": "REFUTES"},
        {"evidence": "e", "claim": "other", "label": "REFUTES"},
    ]
    # "other" is NEUTRAL (0.9) with SUPPORTS and REFUTES tied at 0.05: SUPPORTS wins the tie.
    model = FakeStanceModel({"agreed": Stance.REFUTES, "signed": Stance.SUPPORTS})
    parsed = read_eval_rows(write_jsonl(tmp_path / "s.jsonl", rows))
    result = evaluate_stance(model, parsed)
    assert result.mode == "2-way"
    assert result.report.labels == ("SUPPORTS", "REFUTES")
    assert result.report.accuracy == pytest.approx(2 / 3)
    mode, strict = stance_report(parsed, model.predict([r.pair for r in parsed]), two_way=False)
    assert mode == "3-way"
    assert strict.accuracy == pytest.approx(2 / 3)
    assert strict.confusion["REFUTES"]["NEUTRAL"] == 1


def test_fever_style_field_names(tmp_path: Path) -> None:
    rows = [{"evidence": "e", "claim": "signed", "gold_label": "SUPPORTS"}]
    parsed = read_eval_rows(write_jsonl(tmp_path / "f.jsonl", rows))
    assert parsed[0].pair.evidence == "e"
    assert parsed[0].allowed == {Stance.SUPPORTS}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", ":1: not JSON"),
        ('{"premise": "p", "hypothesis": "h"}\n', "line 1: needs one of the fields"),
        ('{"premise": "p", "hypothesis": "h", "label": "maybe"}\n', "unknown gold label"),
        ("[1]\n", "expected a JSON object"),
        ("\n", "no rows"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalFileError, match=message):
        read_eval_rows(path)
