import json
from pathlib import Path

import pytest

from evaluation.scifact import load_scifact_claims, load_scifact_corpus, run_scifact, score_scifact
from index.passages import document_sentences
from tests.fakes import FakeStanceModel, fake_index, fake_manifest, fake_verifier
from verify.labels import Stance
from verify.verdict import Reason, Verdict
from verify.verifier import Citation, VerdictReason, Verification

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


# Without the sentence before it, "It did not reduce stroke risk." names nothing the claim
# names, so it cannot refute "Aspirin reduces stroke risk." (verify.topic): that claim is
# NOT_ENOUGH_INFO, and its abstract is not predicted.
@pytest.mark.parametrize(("sentence_context", "found"), [(False, 0.5), (True, 1.0)])
def test_scifact_scoring_end_to_end_with_fakes(
    tmp_path: Path, sentence_context: bool, found: float
) -> None:
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
    assert result.abstract_label_only.recall == pytest.approx(found)
    assert result.sentence_selection_label.recall == pytest.approx(found)
    assert result.sentence_selection_label.precision == pytest.approx(1.0)
    assert result.claim_level.accuracy == pytest.approx(1.0 if found == 1.0 else 2 / 3)
    assert "abstract-level label-only: P 1.000" in result.format()


def _citation(document_id: str, end: int, stance: Stance, decisive: bool) -> Citation:
    return Citation(
        document_id=document_id,
        title=None,
        publisher=None,
        url=None,
        published=None,
        passage_id=f"{document_id}#0",
        text="",
        start=0,
        end=end,
        stance=stance,
        stance_probabilities={},
        score=0.8,
        decisive=decisive,
    )


def test_only_decisive_citations_predict_abstracts(tmp_path: Path) -> None:
    documents = {d.id: d for d in load_scifact_corpus(write(tmp_path / "corpus.jsonl", CORPUS))}
    claims = load_scifact_claims(write(tmp_path / "claims.jsonl", CLAIMS[:1]))
    sentence_end = {doc: [s.end for s in document_sentences(d)] for doc, d in documents.items()}
    supports_11 = _citation("11", sentence_end["11"][2], Stance.SUPPORTS, decisive=True)
    refutes_22 = _citation("22", sentence_end["22"][2], Stance.REFUTES, decisive=True)
    context_33 = _citation("33", sentence_end["33"][1], Stance.SUPPORTS, decisive=False)
    reason = VerdictReason(Reason.SUPPORTED_BY_EVIDENCE, "")

    def scored(verdict: Verdict, *citations: Citation) -> tuple[int, float]:
        verification = Verification(
            claims[0].claim, verdict, 0.9, citations, 1.0, (), reason, None, fake_manifest()
        )
        result = score_scifact(claims, [verification], documents, [1])
        return result.abstract_label_only.predicted, result.abstract_label_only.precision

    assert scored(Verdict.SUPPORTED, supports_11, context_33) == (1, 1.0)  # 33: context only
    assert scored(Verdict.CONFLICTING, supports_11, refutes_22) == (2, 0.5)  # both sides
    assert scored(Verdict.NOT_ENOUGH_INFO, context_33) == (0, 0.0)
