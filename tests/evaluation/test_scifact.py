import json
from pathlib import Path

import pytest

from evaluation.scifact import load_scifact_claims, load_scifact_corpus, run_scifact, score_scifact
from tests.fakes import FakeStanceModel, fake_index, fake_verifier
from verify.labels import Stance
from verify.verdict import JudgedEvidence, Verdict, VerdictRule
from verify.verifier import Verification

CORPUS = [
    {"doc_id": 11, "title": "Vitamin D and bones", "abstract": [
        "We studied vitamin D.", "Vitamin D increases bone density in adults.", "Funded."]},
    {"doc_id": 22, "title": "Aspirin trial", "abstract": [
        "Aspirin was given daily.", "It did not reduce stroke risk."]},
    {"doc_id": 33, "title": "Unrelated", "abstract": ["Cats sleep a lot.", "Dogs bark."]},
]  # fmt: skip
CLAIMS = [
    {"id": 1, "claim": "Vitamin D increases bone density.",
     "evidence": {"11": [{"sentences": [1], "label": "SUPPORT"}]}, "cited_doc_ids": [11]},
    {"id": 2, "claim": "Aspirin reduces stroke risk.",
     "evidence": {"22": [{"sentences": [1], "label": "CONTRADICT"}]}, "cited_doc_ids": [22]},
    {"id": 3, "claim": "Parrots can talk.", "evidence": {}, "cited_doc_ids": [33]},
]  # fmt: skip


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("sentence_context", [False, True])
def test_scifact_scoring_end_to_end_with_fakes(tmp_path: Path, sentence_context: bool) -> None:
    documents = load_scifact_corpus(write(tmp_path / "corpus.jsonl", CORPUS))
    claims = load_scifact_claims(write(tmp_path / "claims.jsonl", CLAIMS))
    assert documents[0].sentences is not None
    assert documents[0].sentences[0] == "Vitamin D and bones"
    assert claims[0].evidence["11"][1] == {2}  # abstract sentence 1 is our sentence 2
    index = fake_index(documents, tmp_path / "idx", passage_window=1, passage_stride=1)
    stance = FakeStanceModel(
        {
            "evidence:increases bone density": Stance.SUPPORTS,
            "evidence:did not reduce stroke": Stance.REFUTES,
        }
    )
    verifier = fake_verifier(
        index, stance, min_relevance=0.3, sentence_context=sentence_context, refute_margin=1.0
    )
    result = run_scifact(verifier, claims, index.documents, top_k=3, recall_ks=(1, 3))
    assert result.retrieval_recall == {1: 1.0, 3: 1.0}
    assert result.abstract_label_only.precision == pytest.approx(1.0)
    assert result.abstract_label_only.recall == pytest.approx(1.0)
    assert result.sentence_selection_label.f1 == pytest.approx(1.0)
    assert result.claim_level.accuracy == pytest.approx(1.0)
    assert "abstract-level label-only: P 1.000" in result.format()


def test_abstracts_are_predicted_only_as_evidence_for_the_claims_verdict(tmp_path: Path) -> None:
    documents = load_scifact_corpus(write(tmp_path / "corpus.jsonl", CORPUS))
    claims = load_scifact_claims(write(tmp_path / "claims.jsonl", CLAIMS[:1]))
    evidence = (
        JudgedEvidence("11", supports=0.9, refutes=0.05, relevance=0.8),
        JudgedEvidence("22", supports=0.05, refutes=0.7, relevance=0.8),  # disagrees
    )
    rule = VerdictRule(0.5, 0.5, 0.8, 0.3, 1.0)

    def scored(verdict: Verdict) -> tuple[int, float]:
        verification = Verification(claims[0].claim, verdict, 0.9, (), 1.0, evidence)
        result = score_scifact(claims, [verification], {d.id: d for d in documents}, rule, [1])
        return result.abstract_label_only.predicted, result.abstract_label_only.precision

    assert scored(Verdict.SUPPORTED) == (1, 1.0)  # doc 22's REFUTES is not predicted
    assert scored(Verdict.CONFLICTING) == (2, 0.5)  # both sides are the answer
    assert scored(Verdict.NOT_ENOUGH_INFO) == (0, 0.0)
