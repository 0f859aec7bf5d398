import pytest

from evaluation.metrics import classification_report


def test_report_figures() -> None:
    gold = ["A", "A", "A", "B", "B", "C"]
    pred = ["A", "A", "B", "B", "C", "C"]
    report = classification_report(gold, pred, ["A", "B", "C"])
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.per_label["A"].precision == 1.0
    assert report.per_label["A"].recall == pytest.approx(2 / 3)
    assert report.per_label["B"].precision == pytest.approx(0.5)
    assert report.per_label["C"].f1 == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert report.confusion["A"] == {"A": 2, "B": 1, "C": 0}
    expected_macro = (0.8 + 0.5 + 2 / 3) / 3
    assert report.macro_f1 == pytest.approx(expected_macro)
    text = report.format()
    assert "accuracy=0.6667" in text
    assert "macro-F1=0.6556" in text


def test_macro_f1_ignores_labels_absent_from_gold() -> None:
    report = classification_report(["A", "A"], ["A", "B"], ["A", "B", "C"])
    assert report.macro_f1 == pytest.approx(report.per_label["A"].f1)


def test_rejects_unknown_labels_and_length_mismatch() -> None:
    with pytest.raises(ValueError, match="not among"):
        classification_report(["A"], ["Z"], ["A"])
    with pytest.raises(ValueError, match="predictions"):
        classification_report(["A"], [], ["A"])
