"""Which passages bear on a claim: dense (FAISS), lexical (BM25) or both fused (RRF).

Dense retrieval finds paraphrases; BM25 finds the rare names and numbers a claim turns on
and that a small embedding model blurs. Reciprocal rank fusion combines the two rankings
without calibrating their scores against each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.embedding import Vectors
from index.store import LoadedIndex, SentenceKey, sentence_keys

RETRIEVAL_MODES = ("dense", "bm25", "hybrid")
_RRF_K = 60  # the constant of Cormack et al. (2009); ranks past ~60 barely count


@dataclass(frozen=True)
class Hit:
    position: int  # into LoadedIndex.passages
    # cosine (dense), BM25 score (bm25), fused RRF score (hybrid), or the best sentence's
    # cosine (re-ranked)
    score: float


class Retriever(Protocol):
    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]: ...


class DenseRetriever:
    def __init__(self, index: LoadedIndex) -> None:
        self._index = index

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:
        scores, positions = self._index.search(query, k)
        return [
            Hit(int(p), float(s)) for s, p in zip(scores[0], positions[0], strict=True) if p >= 0
        ]


class Bm25Retriever:
    """BM25 over the passage texts, built in memory when the index loads."""

    def __init__(self, index: LoadedIndex) -> None:
        import bm25s

        self._bm25s = bm25s
        self._size = len(index.passages)
        self._model = bm25s.BM25()
        tokens = bm25s.tokenize(
            [p.text for p in index.passages], stopwords="en", show_progress=False
        )
        self._model.index(tokens, show_progress=False)

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:
        tokens = self._bm25s.tokenize([claim], stopwords="en", show_progress=False)
        if not tokens.vocab:  # nothing but stopwords: no lexical evidence at all
            return []
        positions, scores = self._model.retrieve(
            tokens, k=min(k, self._size), show_progress=False, n_threads=1
        )
        return [
            Hit(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if s > 0
        ]


class HybridRetriever:
    """Reciprocal rank fusion of a dense and a lexical ranking, each ``depth`` deep."""

    def __init__(self, dense: Retriever, lexical: Retriever, depth: int = 50) -> None:
        self._dense = dense
        self._lexical = lexical
        self._depth = depth

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:
        depth = max(self._depth, k)
        fused: dict[int, float] = {}
        for ranking in (
            self._dense.search(claim, query, depth),
            self._lexical.search(claim, query, depth),
        ):
            for rank, hit in enumerate(ranking):
                fused[hit.position] = fused.get(hit.position, 0.0) + 1.0 / (_RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [Hit(position, float(np.float32(score))) for position, score in best]


class SentenceRerankRetriever:
    """Re-rank ``depth`` passages by their best sentence's cosine to the claim.

    A claim is about one sentence long and its evidence is usually one sentence; a passage
    vector averages that sentence with its neighbours and can rank it far down. Passages
    overlap, so a passage whose best sentence is already the best sentence of a higher one
    is passed over: the ``k`` hits show ``k`` different pieces of evidence. A sentence that a
    document repeats word for word (a summary box, a repeated lede) is the same evidence.
    """

    def __init__(self, inner: Retriever, index: LoadedIndex, depth: int) -> None:
        self._inner = inner
        self._index = index
        self._depth = depth

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:
        hits = self._inner.search(claim, query, max(self._depth, k))
        keys_of = [sentence_keys([self._index.passages[hit.position]]) for hit in hits]
        # One matrix product for all the candidates' sentences, then split per passage.
        relevance = self._index.sentence_relevance([key for keys in keys_of for key in keys], query)
        ranked: list[tuple[float, SentenceKey, int]] = []
        offset = 0
        for hit, keys in zip(hits, keys_of, strict=True):
            own = relevance[offset : offset + len(keys)]
            offset += len(keys)
            best = int(np.argmax(own))
            ranked.append((float(own[best]), keys[best], hit.position))
        ranked.sort(key=lambda item: (-item[0], item[2]))
        reranked: list[Hit] = []
        covered: set[tuple[str, str]] = set()
        for score, key, position in ranked:
            evidence = self._evidence_of(key)
            if evidence not in covered:
                covered.add(evidence)
                reranked.append(Hit(position, score))
        return reranked[:k]

    def _evidence_of(self, key: SentenceKey) -> tuple[str, str]:
        """A sentence as evidence: its document and its words, wherever they stand."""
        document, start, end = key
        return document, " ".join(self._index.documents[document].text[start:end].split())


def make_retriever(mode: str, index: LoadedIndex, rerank_depth: int = 0) -> Retriever:
    """The ``mode`` retriever, re-ranked by best sentence when ``rerank_depth`` > 0."""
    retriever: Retriever
    if mode == "dense":
        retriever = DenseRetriever(index)
    elif mode == "bm25":
        retriever = Bm25Retriever(index)
    elif mode == "hybrid":
        retriever = HybridRetriever(DenseRetriever(index), Bm25Retriever(index))
    else:
        raise ValueError(f"retrieval mode must be one of {RETRIEVAL_MODES}, not {mode!r}")
    return SentenceRerankRetriever(retriever, index, rerank_depth) if rerank_depth else retriever
