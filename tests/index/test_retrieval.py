from pathlib import Path

import pytest

from index.corpus import Document
from index.embedding import Vectors
from index.retrieval import (
    Bm25Retriever,
    DenseRetriever,
    Hit,
    HybridRetriever,
    make_ranking,
    make_retriever,
)
from index.store import LoadedIndex
from tests.fakes import HashingEmbedder, fake_index

DOCS = [
    Document("gas", "Gazprom and CNPC did not sign the Power of Siberia 2 contract."),
    Document("trade", "Bilateral trade reached 240 billion dollars in 2023."),
    Document("expo", "The leaders opened the China-Russia Expo in Harbin."),
]


@pytest.fixture
def index(tmp_path: Path) -> LoadedIndex:
    return fake_index(DOCS, tmp_path / "idx", passage_window=1, passage_stride=1)


def _doc(index: LoadedIndex, hits: list[Hit]) -> list[str]:
    return [index.passages[h.position].document_id for h in hits]


def test_bm25_finds_the_rare_term_and_ignores_stopword_only_claims(index: LoadedIndex) -> None:
    query = HashingEmbedder().embed(["Gazprom"])
    bm25 = Bm25Retriever(index)
    assert _doc(index, bm25.search("Was Gazprom involved?", query, 2))[0] == "gas"
    assert bm25.search("the of and", query, 2) == []
    assert all(h.score > 0 for h in bm25.search("Harbin expo", query, 3))


class _Fixed:
    def __init__(self, positions: list[int]) -> None:
        self._positions = positions

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:  # noqa: ARG002
        return [Hit(p, 1.0) for p in self._positions[:k]]


def test_hybrid_fuses_ranks_so_agreement_wins() -> None:
    hybrid = HybridRetriever(_Fixed([0, 1, 2]), _Fixed([1, 2, 0]))
    query = HashingEmbedder().embed(["x"])
    hits = hybrid.search("x", query, 2)
    assert [h.position for h in hits] == [1, 0]  # ranks 2+1 beat 1+3
    assert hits[0].score == pytest.approx(1 / 62 + 1 / 61, rel=1e-6)


def test_make_retriever_by_mode(index: LoadedIndex) -> None:
    assert isinstance(make_ranking("dense", index), DenseRetriever)
    assert isinstance(make_ranking("hybrid", index), HybridRetriever)
    with pytest.raises(ValueError, match="retrieval mode"):
        make_ranking("sparse", index)
    dense = make_retriever("dense", index, rerank_depth=0)
    query = HashingEmbedder().embed([DOCS[1].text])
    hits = dense.retrieve(DOCS[1].text, query, 1)
    assert [hit.passage.document_id for hit in hits] == ["trade"]
    # Every hit carries its sentences' relevance and its best sentence, computed once.
    assert hits[0].best.relevance == pytest.approx(1.0, abs=1e-3)
    assert hits[0].best in hits[0].sentences


def test_rerank_orders_passages_by_their_best_sentence_and_skips_repeats(tmp_path: Path) -> None:
    docs = [
        Document(
            "long", "Harbin hosts an expo. " + " ".join(f"Filler {i} text." for i in range(6))
        ),
        Document("short", "Gazprom signed nothing. Harbin expo opened with Putin."),
    ]
    embedder = HashingEmbedder()
    index = fake_index(docs, tmp_path / "idx", passage_window=3, passage_stride=1)
    claim = "Harbin hosts an expo."
    query = embedder.embed([claim])
    plain = DenseRetriever(index).search(claim, query, len(index.passages))
    reranked = make_retriever("dense", index, rerank_depth=50).retrieve(claim, query, 3)
    best = [h.passage for h in reranked]
    # Only one passage holds the exact sentence: it leads, scored by that sentence's cosine.
    assert best[0].text.startswith("Harbin hosts an expo.")
    assert reranked[0].score == pytest.approx(1.0, abs=1e-3)
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)
    # Overlapping windows share sentences; each hit's best sentence differs from the others.
    best_sentences = {hit.best.sentence.key for hit in reranked}
    assert len(best_sentences) == len(reranked) == 3
    assert all(hit.score == hit.best.relevance for hit in reranked)
    assert len(plain) > len(reranked)


def test_rerank_counts_a_sentence_a_document_repeats_once(tmp_path: Path) -> None:
    repeated = "Putin made a state visit to China in May."
    docs = [
        Document("d", f"{repeated} Trade grew. Filler one. Filler two. {repeated} Gas flowed."),
        Document("other", f"{repeated} Nothing else."),
    ]
    embedder = HashingEmbedder()
    index = fake_index(docs, tmp_path / "idx", passage_window=2, passage_stride=2)
    query = embedder.embed([repeated])
    hits = make_retriever("dense", index, rerank_depth=50).retrieve(repeated, query, 3)
    leading = [h.passage for h in hits if h.score == pytest.approx(1.0, abs=1e-3)]
    # Once for document d (its two copies are one piece of evidence), once for "other".
    assert sorted(p.document_id for p in leading) == ["d", "other"]


def test_excluded_documents_are_never_retrieved_however_close(tmp_path: Path) -> None:
    later = [
        Document(f"later-{n}", f"Norway signed the Svalbard charter, report {n}.") for n in range(6)
    ]
    earlier = Document("earlier", "The Svalbard station opened in 1990. Norway runs it.")
    index = fake_index([*later, earlier], tmp_path / "idx", passage_window=1, passage_stride=1)
    claim = "Norway signed the Svalbard charter."
    query = HashingEmbedder().embed_queries([claim])
    for depth in (0, 3):
        retriever = make_retriever("dense", index, rerank_depth=depth)
        assert retriever.retrieve(claim, query, 2)[0].passage.document_id.startswith("later")
        kept = retriever.retrieve(claim, query, 2, frozenset(doc.id for doc in later))
        assert [hit.passage.document_id for hit in kept] == ["earlier", "earlier"]
