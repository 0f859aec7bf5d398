from bench.stance_benchmarks import crossed_rows
from evaluation.stance_eval import EvalRow
from index.words import topic_words
from verify.labels import Stance
from verify.stance_model import StancePair


def _row(premise: str, hypothesis: str) -> EvalRow:
    return EvalRow(StancePair(premise, hypothesis), frozenset({Stance.SUPPORTS}))


def test_each_hypothesis_meets_a_premise_of_another_row_with_no_shared_word() -> None:
    rows = [
        _row("Putin visited Harbin in May.", "Putin went to Harbin."),
        _row("The museum reopened after renovation.", "The museum is open again."),
        _row("Grain exports rose sharply.", "Exports of grain increased."),
    ]
    crossed = crossed_rows(rows)
    assert [c["hypothesis"] for c in crossed] == [r.pair.claim for r in rows]
    assert crossed[0]["premise"] == "The museum reopened after renovation."
    for row in crossed:
        assert row["label"] == "neutral"
        assert not topic_words(row["premise"]) & topic_words(row["hypothesis"])
        assert (row["premise"], row["hypothesis"]) not in {
            (r.pair.evidence, r.pair.claim) for r in rows
        }


def test_a_hypothesis_without_an_unrelated_premise_is_left_out() -> None:
    rows = [
        _row("Harbin hosted the expo.", "The expo was in Harbin."),
        _row("Harbin is cold.", "Harbin expo."),
    ]
    assert crossed_rows(rows) == []
