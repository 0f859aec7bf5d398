"""SciFact end to end: index the abstracts, verify the claims, score as SciFact defines it.

* abstract retrieval recall@k: gold (claim, abstract) pairs whose abstract is among the
  retrieved passages' documents;
* abstract-level, label-only: the abstracts of the decisive citations (the evidence the
  verdict rests on) are predicted, with the verdict's label (for CONFLICTING, each citation's
  own stance); a predicted (claim, abstract, SUPPORT|CONTRADICT) is correct when the abstract
  is gold evidence for the claim with that label. Abstracts cited for context only are not
  predicted: an editor reads the decisive evidence as the answer's grounds, the rest as
  background;
* sentence-level: the decisive citations' sentences, correct when they belong to a gold
  rationale of that abstract and the abstract's label is correct;
* claim level: the verdict against SUPPORTED / REFUTED / NOT_ENOUGH_INFO.

Each document is the title followed by the abstract, with SciFact's sentence split kept
(the title is sentence 0, abstract sentence i is sentence i + 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluation.metrics import ClassificationReport, classification_report
from factdesk.core.files import read_jsonl
from index.corpus import Document
from index.passages import document_sentences
from verify.labels import Stance
from verify.verdict import VERDICTS, Verdict
from verify.verifier import Citation, Verification, Verifier

_LABELS = {"SUPPORT": Verdict.SUPPORTED, "CONTRADICT": Verdict.REFUTED}


@dataclass(frozen=True)
class SciFactClaim:
    id: int
    claim: str
    # doc_id -> (label, set of rationale sentence indices in our numbering)
    evidence: dict[str, tuple[Verdict, frozenset[int]]]

    @property
    def label(self) -> Verdict:
        labels = {label for label, _ in self.evidence.values()}
        if not labels:
            return Verdict.NOT_ENOUGH_INFO
        return labels.pop() if len(labels) == 1 else Verdict.CONFLICTING


def load_scifact_corpus(path: Path) -> list[Document]:
    documents: list[Document] = []
    for _, row in read_jsonl(path):
        title = str(row["title"]).strip()
        sentences = [title] + [str(s).strip() for s in row["abstract"]]
        documents.append(
            Document(
                id=str(row["doc_id"]),
                text=" ".join(sentences),
                title=title,
                sentences=tuple(sentences),
            )
        )
    return documents


def load_scifact_claims(path: Path) -> list[SciFactClaim]:
    claims: list[SciFactClaim] = []
    for _, row in read_jsonl(path):
        evidence: dict[str, tuple[Verdict, frozenset[int]]] = {}
        for doc_id, marked in row.get("evidence", {}).items():
            sentences = frozenset(i + 1 for a in marked for i in a["sentences"])
            evidence[str(doc_id)] = (_LABELS[marked[0]["label"]], sentences)
        claims.append(SciFactClaim(int(row["id"]), str(row["claim"]), evidence))
    return claims


@dataclass(frozen=True)
class PrecisionRecall:
    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int

    @classmethod
    def of(cls, correct: int, predicted: int, gold: int) -> PrecisionRecall:
        precision = correct / predicted if predicted else 0.0
        recall = correct / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, predicted, gold)


@dataclass(frozen=True)
class SciFactResult:
    retrieval_recall: dict[int, float]
    abstract_label_only: PrecisionRecall
    sentence_selection_label: PrecisionRecall
    claim_level: ClassificationReport
    # (claim id, claim, gold label, verdict, confidence, reason code), in the claims' order
    verdicts: list[tuple[int, str, Verdict, Verdict, float, str]]

    def as_dict(self) -> dict[str, object]:
        return {
            "abstract_retrieval_recall": self.retrieval_recall,
            "abstract_label_only": vars(self.abstract_label_only),
            "sentence_selection_label": vars(self.sentence_selection_label),
            "claim_level": self.claim_level.as_dict(),
        }

    def format(self) -> str:
        recall = "  ".join(f"@{k} {v:.3f}" for k, v in self.retrieval_recall.items())
        lines = [f"abstract retrieval recall: {recall}"]
        for name, pr in (
            ("abstract-level label-only", self.abstract_label_only),
            ("sentence-level selection+label", self.sentence_selection_label),
        ):
            lines.append(
                f"{name}: P {pr.precision:.3f}  R {pr.recall:.3f}  F1 {pr.f1:.3f}  "
                f"(predicted {pr.predicted}, gold {pr.gold})"
            )
        lines += ["", "claim level:", self.claim_level.format()]
        return "\n".join(lines)


def _sentence_index(document: Document) -> dict[int, int]:
    """Sentence number by end offset: a citation ends with the sentence that was judged (it
    starts earlier when that sentence was read with the one before it)."""
    return {s.end: i for i, s in enumerate(document_sentences(document))}


def score_scifact(
    claims: Sequence[SciFactClaim],
    verifications: Sequence[Verification],
    documents: dict[str, Document],
    recall_ks: Sequence[int],
) -> SciFactResult:
    sentence_numbers: dict[str, dict[int, int]] = {}
    gold_pairs = sum(len(c.evidence) for c in claims)
    gold_sentences = sum(len(s) for c in claims for _, s in c.evidence.values())
    hits_at = dict.fromkeys(recall_ks, 0)
    abstract_predicted = abstract_correct = 0
    sentence_predicted = sentence_correct = 0
    for claim, verification in zip(claims, verifications, strict=True):
        ranked_docs: list[str] = []
        for citation in sorted(verification.citations, key=lambda c: -c.score):
            if citation.document_id not in ranked_docs:
                ranked_docs.append(citation.document_id)
        for k in recall_ks:
            hits_at[k] += len(set(ranked_docs[:k]) & set(claim.evidence))

        predicted: dict[str, tuple[Verdict, set[int]]] = {}
        for citation in verification.citations:
            label = _decisive_label(verification.verdict, citation)
            if label is None:
                continue
            numbers = sentence_numbers.setdefault(
                citation.document_id, _sentence_index(documents[citation.document_id])
            )
            _, sentences = predicted.setdefault(citation.document_id, (label, set()))
            sentences.add(numbers[citation.end])
        for doc_id, (label, cited) in predicted.items():
            abstract_predicted += 1
            gold = claim.evidence.get(doc_id)
            label_right = gold is not None and gold[0] is label
            abstract_correct += label_right
            sentence_predicted += len(cited)
            if label_right and gold is not None:
                sentence_correct += len(cited & gold[1])
    claim_level = classification_report(
        [c.label.value for c in claims],
        [v.verdict.value for v in verifications],
        [v.value for v in VERDICTS],
    )
    return SciFactResult(
        retrieval_recall={k: hits_at[k] / gold_pairs if gold_pairs else 0.0 for k in recall_ks},
        abstract_label_only=PrecisionRecall.of(abstract_correct, abstract_predicted, gold_pairs),
        sentence_selection_label=PrecisionRecall.of(
            sentence_correct, sentence_predicted, gold_sentences
        ),
        claim_level=claim_level,
        verdicts=[
            (c.id, c.claim, c.label, v.verdict, v.confidence, v.reason.code.value)
            for c, v in zip(claims, verifications, strict=True)
        ],
    )


_STANCE_VERDICT = {Stance.SUPPORTS: Verdict.SUPPORTED, Stance.REFUTES: Verdict.REFUTED}


def _decisive_label(verdict: Verdict, citation: Citation) -> Verdict | None:
    """The label a decisive citation predicts for its abstract; None for the others."""
    if not citation.decisive or citation.stance is None:
        return None
    if verdict is Verdict.CONFLICTING:
        return _STANCE_VERDICT.get(citation.stance)
    return verdict if verdict in (Verdict.SUPPORTED, Verdict.REFUTED) else None


def run_scifact(
    verifier: Verifier,
    claims: Sequence[SciFactClaim],
    documents: dict[str, Document],
    top_k: int,
    recall_ks: Sequence[int] = (1, 3, 5, 10),
) -> SciFactResult:
    verifications = [verifier.verify(c.claim, top_k) for c in claims]
    ks = [k for k in recall_ks if k <= top_k] or [top_k]
    return score_scifact(claims, verifications, documents, ks)
