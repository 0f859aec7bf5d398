"""Which passages bear on a claim: dense (FAISS), lexical (BM25) or both fused (RRF).

Dense retrieval finds paraphrases; BM25 finds the rare names and numbers a claim turns on
and that a small embedding model blurs. Reciprocal rank fusion combines the two rankings
without calibrating their scores against each other. ``PassageRetriever`` turns a ranking
into what the verifier judges: each hit with every sentence's relevance to the claim and its
best sentence, optionally re-ranked by that sentence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.embedding import Vectors
from index.passages import Passage
from index.sentences import IndexedSentence
from index.store import LoadedIndex

RETRIEVAL_MODES = ("dense", "bm25", "hybrid")
_RRF_K = 60  # the constant of Cormack et al. (2009); ranks past ~60 barely count


@dataclass(frozen=True)
class Hit:
    position: int  # into LoadedIndex.passages
    score: float  # cosine (dense), BM25 score (bm25) or fused RRF score (hybrid)


class Retriever(Protocol):
    """A ranking of passages for a claim (its text and its normalised embedding)."""

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]: ...


@dataclass(frozen=True)
class ScoredSentence:
    sentence: IndexedSentence
    relevance: float  # cosine similarity to the claim


@dataclass(frozen=True)
class PassageHit:
    """A retrieved passage with its sentences scored against the claim."""

    position: int  # into LoadedIndex.passages
    passage: Passage
    # the ranking's score, or the best sentence's cosine when re-ranked by sentence
    score: float
    sentences: tuple[ScoredSentence, ...]  # in passage order
    best: ScoredSentence  # the most relevant sentence (the first of equals)


class DenseRetriever:
    def __init__(self, index: LoadedIndex) -> None:
        self._index = index

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:  # noqa: ARG002
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

    def search(self, claim: str, query: Vectors, k: int) -> list[Hit]:  # noqa: ARG002
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


class PassageRetriever:
    """The top ``k`` passages of a ranking, each with its sentences scored against the claim.

    With ``rerank_depth`` > 0 it takes that many passages of the ranking and re-ranks them by
    their best sentence's cosine to the claim. A claim is about one sentence long and its
    evidence is usually one sentence; a passage vector averages that sentence with its
    neighbours and can rank it far down. Passages overlap, so a passage whose best sentence
    is already the best sentence of a higher one is passed over: the ``k`` hits show ``k``
    different pieces of evidence. A sentence that a document repeats word for word (a
    summary box, a repeated lede) is the same evidence.
    """

    def __init__(self, ranking: Retriever, index: LoadedIndex, rerank_depth: int) -> None:
        self.ranking = ranking
        self._index = index
        self._depth = rerank_depth

    def retrieve(
        self, claim: str, query: Vectors, k: int, excluded: frozenset[str] = frozenset()
    ) -> list[PassageHit]:
        """The top ``k`` passages, none from the documents in ``excluded``."""
        depth = max(self._depth, k) if self._depth else k
        scored = self._scored(self._ranked(claim, query, depth, excluded), query)
        if not self._depth:
            return scored
        scored.sort(key=lambda hit: (-hit.best.relevance, hit.position))
        reranked: list[PassageHit] = []
        covered: set[tuple[str, str]] = set()
        for hit in scored:
            evidence = (hit.best.sentence.document_id, hit.best.sentence.normalised)
            if evidence not in covered:
                covered.add(evidence)
                reranked.append(dataclasses.replace(hit, score=hit.best.relevance))
        return reranked[:k]

    def _ranked(
        self, claim: str, query: Vectors, depth: int, excluded: frozenset[str]
    ) -> list[Hit]:
        """The first ``depth`` hits of the ranking outside ``excluded``: searched deeper
        and deeper until there are that many or the index has no more."""
        if not excluded:
            return self.ranking.search(claim, query, depth)
        passages, searched = self._index.passages, depth
        while True:
            hits = self.ranking.search(claim, query, searched)
            kept = [hit for hit in hits if passages[hit.position].document_id not in excluded]
            if len(kept) >= depth or searched >= len(passages):
                return kept[:depth]
            searched *= 4

    def _scored(self, hits: list[Hit], query: Vectors) -> list[PassageHit]:
        """The hits with their sentences' relevance: one matrix product for all of them."""
        index = self._index
        own = [index.passage_sentences[hit.position] for hit in hits]
        relevance = index.sentences.relevance([s for sentences in own for s in sentences], query)
        scored: list[PassageHit] = []
        offset = 0
        for hit, sentences in zip(hits, own, strict=True):
            values = relevance[offset : offset + len(sentences)]
            offset += len(sentences)
            scores = tuple(
                ScoredSentence(sentence, float(value))
                for sentence, value in zip(sentences, values, strict=True)
            )
            best = scores[int(np.argmax(values))]
            scored.append(
                PassageHit(hit.position, index.passages[hit.position], hit.score, scores, best)
            )
        return scored


def make_ranking(mode: str, index: LoadedIndex) -> Retriever:
    """The ``mode`` ranking of passages."""
    retriever: Retriever
    if mode == "dense":
        retriever = DenseRetriever(index)
    elif mode == "bm25":
        retriever = Bm25Retriever(index)
    elif mode == "hybrid":
        retriever = HybridRetriever(DenseRetriever(index), Bm25Retriever(index))
    else:
        raise ValueError(f"retrieval mode must be one of {RETRIEVAL_MODES}, not {mode!r}")
    return retriever


def make_retriever(mode: str, index: LoadedIndex, rerank_depth: int) -> PassageRetriever:
    """The ``mode`` ranking, re-ranked by best sentence when ``rerank_depth`` > 0."""
    return PassageRetriever(make_ranking(mode, index), index, rerank_depth)
