"""Verify one claim: retrieve passages, judge their sentences, decide, cite exact spans."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.embedding import Embedder
from index.passages import Passage
from index.retrieval import DenseRetriever, Retriever
from index.segment import Span, is_statement, opens_with_pronoun
from index.store import LoadedIndex, SentenceKey, sentence_keys
from verify.answer_cache import AnswerCache, claim_key
from verify.checks import CHECKS_IDENTITY, apply_checks
from verify.labels import STANCES, Stance
from verify.stance_model import Probabilities, StanceModel, StancePair, stance_of
from verify.symmetric import BOTH_DIRECTIONS_IDENTITY, combine_directions, reversed_pairs
from verify.verdict import Decision, JudgedEvidence, Verdict, VerdictRule, decide


@dataclass(frozen=True)
class Citation:
    document_id: str
    title: str | None
    publisher: str | None
    url: str | None
    passage_id: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    stance: Stance
    stance_probabilities: dict[str, float]
    score: float  # retrieval score of the passage (index.retrieval.Hit.score)


@dataclass(frozen=True)
class Verification:
    claim: str
    verdict: Verdict
    confidence: float
    citations: tuple[Citation, ...]
    took_ms: float
    evidence: tuple[JudgedEvidence, ...] = ()  # what the verdict was decided on


@dataclass(frozen=True)
class VerifierConfig:
    default_top_k: int = 5
    # Sentences judged by the stance model per claim: the most relevant ones, plus the most
    # relevant sentence of every retrieved passage, so each citation has a judged sentence.
    max_judged_sentences: int = 12
    rule: VerdictRule = field(default_factory=VerdictRule)
    answer_cache_size: int = 0  # repeated claims answered from memory (0: off)
    both_directions: bool = False  # verify.symmetric: contradiction judged both ways
    checks: bool = False  # verify.checks: explicit number, date and polarity conflicts
    # A sentence that opens with a pronoun ("They met in Beijing") is judged, and cited,
    # together with the sentence before it, which says who "they" are.
    sentence_context: bool = False


@dataclass(frozen=True)
class _Sentence:
    document_id: str
    relevance: float  # cosine similarity of the sentence to the claim
    statement: bool  # index.segment.is_statement: headings and questions bear on nothing
    premise: str  # what the stance model reads: the sentence, or its context and the sentence
    cited: Span  # the span the premise covers


@dataclass(frozen=True)
class _Plan:
    """One claim's retrieved passages, candidate sentences and the ones to judge."""

    claim: str
    hits: list[tuple[Passage, float]]
    sentences: dict[SentenceKey, _Sentence]
    chosen: list[SentenceKey]


class Verifier:
    """Domain service; knows nothing of HTTP. Thread-compatible, not async."""

    def __init__(
        self,
        embedder: Embedder,
        index: LoadedIndex,
        stance_model: StanceModel,
        config: VerifierConfig,
        retriever: Retriever | None = None,
    ) -> None:
        self._embedder = embedder
        self._index = index
        self._retriever = retriever or DenseRetriever(index)
        self._stance = stance_model
        self.config = config
        self.cache: AnswerCache[Verification] = AnswerCache(config.answer_cache_size)
        self._previous = previous_sentences(index.sentence_rows) if config.sentence_context else {}

    def verify(self, claim: str, top_k: int | None = None) -> Verification:
        return self.verify_many([(claim, top_k)])[0]

    def verify_many(self, requests: Sequence[tuple[str, int | None]]) -> list[Verification]:
        """Verify several claims together: one embedding pass and one stance-model pass.

        The answers are those ``verify`` gives one at a time; batching only shares the
        models' fixed costs between claims that arrive together.
        """
        started = time.perf_counter()
        results: dict[int, Verification] = {}
        todo: list[tuple[int, str, tuple[str, int]]] = []
        for position, (claim, top_k) in enumerate(requests):
            key = claim_key(claim, top_k or self.config.default_top_k)
            cached = self.cache.get(key)
            if cached is not None:
                results[position] = dataclasses.replace(cached, claim=claim)
            else:
                todo.append((position, claim, key))
        if todo:
            queries = self._embedder.embed([claim for _, claim, _ in todo])
            plans = [
                self._plan(claim, key[1], queries[row : row + 1])
                for row, (_, claim, key) in enumerate(todo)
            ]
            pairs = [
                StancePair(plan.sentences[key].premise, plan.claim)
                for plan in plans
                for key in plan.chosen
            ]
            probabilities = self._predict(pairs)
            judged: list[dict[SentenceKey, np.ndarray]] = []
            offset = 0
            for plan in plans:
                block = probabilities[offset : offset + len(plan.chosen)]
                offset += len(plan.chosen)
                judged.append(dict(zip(plan.chosen, block, strict=True)))
            evidence = [
                self._evidence_keys(plan, rows) for plan, rows in zip(plans, judged, strict=True)
            ]
            self._rejudge_evidence(plans, evidence, judged)
            for (position, _, key), plan, keys, rows in zip(
                todo, plans, evidence, judged, strict=True
            ):
                verification = self._decide(plan, keys, rows)
                self.cache.put(key, verification)
                results[position] = verification
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return [dataclasses.replace(results[i], took_ms=took_ms) for i in range(len(requests))]

    def _plan(self, claim: str, k: int, query: np.ndarray) -> _Plan:
        """Retrieve, rank the candidate sentences, and choose which ones to judge."""
        hits = [
            (self._index.passages[hit.position], hit.score)
            for hit in self._retriever.search(claim, query, k)
        ]
        sentences = self._candidate_sentences(hits, query)
        return _Plan(claim, hits, sentences, self._choose(hits, sentences))

    def _predict(self, pairs: Sequence[StancePair]) -> Probabilities:
        if not pairs:
            return np.zeros((0, len(STANCES)), np.float32)
        return self._stance.predict(pairs)

    def _rejudge_evidence(
        self,
        plans: Sequence[_Plan],
        evidence: Sequence[list[tuple[int, SentenceKey]]],
        judged: Sequence[dict[SentenceKey, np.ndarray]],
    ) -> None:
        """Second look at the sentences the verdict rests on (one per passage), in place.

        Only these are judged the other way round: the rest of the judged sentences served
        to pick them, which needs only the forward direction's NEUTRAL.
        """
        config = self.config
        if not (config.both_directions or config.checks):
            return
        keyed = [
            (rows, key, StancePair(plan.sentences[key].premise, plan.claim))
            for plan, cited, rows in zip(plans, evidence, judged, strict=True)
            for key in dict.fromkeys(key for _, key in cited)
        ]
        if not keyed:
            return
        pairs = [pair for _, _, pair in keyed]
        rejudged: Probabilities = np.stack([rows[key] for rows, key, _ in keyed])
        if config.both_directions:
            rejudged = combine_directions(rejudged, self._predict(reversed_pairs(pairs)))
        if config.checks:
            rejudged = apply_checks(pairs, rejudged)
        for (rows, key, _), row in zip(keyed, rejudged, strict=True):
            rows[key] = row

    @property
    def stance_identity(self) -> dict[str, str]:
        """The stance model and what the pipeline adds to its judgment, for the audit trail."""
        identity = dict(self._stance.identity)
        if self.config.checks:
            identity["checks"] = CHECKS_IDENTITY
        if self.config.both_directions:
            identity["contradiction"] = BOTH_DIRECTIONS_IDENTITY
        if self.config.sentence_context:
            identity["context"] = SENTENCE_CONTEXT_IDENTITY
        return identity

    def _evidence_keys(
        self, plan: _Plan, judged: dict[SentenceKey, np.ndarray]
    ) -> list[tuple[int, SentenceKey]]:
        """(hit position, evidence sentence) of each retrieved passage, in retrieval order.

        Passages overlap, so a passage whose best sentence has been cited already (or shares
        text with one that has: a sentence cited with its context) cites its next best; one
        with nothing new to cite is left out rather than cite the same words twice.
        """
        evidence: list[tuple[int, SentenceKey]] = []
        cited: list[_Sentence] = []
        for position, (passage, _) in enumerate(plan.hits):
            fresh = {
                key
                for key in sentence_keys([passage])
                if key in judged and not any(_overlap(plan.sentences[key], c) for c in cited)
            }
            if fresh:
                key = self._best_sentence(fresh, plan.sentences, judged)
                evidence.append((position, key))
                cited.append(plan.sentences[key])
        return evidence

    def _decide(
        self,
        plan: _Plan,
        cited: Sequence[tuple[int, SentenceKey]],
        judged: dict[SentenceKey, np.ndarray],
    ) -> Verification:
        citations: list[Citation] = []
        evidence: list[JudgedEvidence] = []
        for position, key in cited:
            passage, score = plan.hits[position]
            sentence, row = plan.sentences[key], judged[key]
            citations.append(self._citation(passage, sentence, row, score))
            if not sentence.statement:
                continue
            evidence.append(
                JudgedEvidence(
                    passage.document_id, float(row[0]), float(row[1]), sentence.relevance
                )
            )
        decision = decide(evidence, self.config.rule)
        return Verification(
            claim=plan.claim,
            verdict=decision.verdict,
            confidence=round(decision.confidence, 4),
            citations=tuple(_ordered(citations, decision)),
            took_ms=0.0,  # set by verify_many for the whole batch
            evidence=tuple(evidence),
        )

    def _candidate_sentences(
        self, hits: list[tuple[Passage, float]], query: np.ndarray
    ) -> dict[SentenceKey, _Sentence]:
        """The distinct sentences of the retrieved passages, with their relevance to the claim."""
        keys = sentence_keys([passage for passage, _ in hits])
        # Embedded when the index was built: no encoder pass per request.
        relevance = self._index.sentence_relevance(keys, query)
        documents = self._index.documents
        sentences: dict[SentenceKey, _Sentence] = {}
        for key, rel in zip(keys, relevance, strict=True):
            doc, start, end = key
            text = documents[doc].text
            sentence = text[start:end]
            previous = self._previous.get(key) if opens_with_pronoun(sentence) else None
            cited = Span(previous[1] if previous else start, end)
            premise = " ".join(text[cited.start : cited.end].split())
            sentences[key] = _Sentence(doc, float(rel), is_statement(sentence), premise, cited)
        return sentences

    def _choose(
        self, hits: list[tuple[Passage, float]], sentences: dict[SentenceKey, _Sentence]
    ) -> list[SentenceKey]:
        """The sentences worth judging; the cross-encoder is the expensive step."""
        statements = [key for key in sentences if sentences[key].statement]
        chosen = sorted(statements, key=lambda key: -sentences[key].relevance)
        chosen = chosen[: self.config.max_judged_sentences]
        for passage, _ in hits:  # every citation needs a judged sentence
            keys = sentence_keys([passage])
            if not any(key in chosen for key in keys):
                chosen.append(
                    max(keys, key=lambda key: (sentences[key].statement, sentences[key].relevance))
                )
        return chosen

    @staticmethod
    def _best_sentence(
        candidates: set[SentenceKey],
        sentences: dict[SentenceKey, _Sentence],
        judged: dict[SentenceKey, np.ndarray],
    ) -> SentenceKey:
        """The passage's evidence: a statement, on topic and decisive."""
        return max(
            sorted(candidates),
            key=lambda key: (
                sentences[key].statement,
                max(sentences[key].relevance, 0.0) * (1.0 - float(judged[key][2])),
            ),
        )

    def _citation(
        self, passage: Passage, sentence: _Sentence, row: np.ndarray, score: float
    ) -> Citation:
        document = self._index.documents[passage.document_id]
        return Citation(
            document_id=document.id,
            title=document.title,
            publisher=document.publisher,
            url=document.url,
            passage_id=passage.id,
            text=document.text[sentence.cited.start : sentence.cited.end],
            start=sentence.cited.start,
            end=sentence.cited.end,
            stance=stance_of(row),
            stance_probabilities={
                s.value: round(float(p), 4) for s, p in zip(STANCES, row, strict=True)
            },
            score=round(score, 4),
        )


SENTENCE_CONTEXT_IDENTITY = "sentence before a pronoun"  # how the audit trail names it


def _overlap(a: _Sentence, b: _Sentence) -> bool:
    return (
        a.document_id == b.document_id
        and a.cited.start < b.cited.end
        and b.cited.start < a.cited.end
    )


def previous_sentences(rows: dict[SentenceKey, int]) -> dict[SentenceKey, SentenceKey]:
    """Each indexed sentence's predecessor in its document (the first has none)."""
    by_document: dict[str, list[SentenceKey]] = {}
    for key in rows:
        by_document.setdefault(key[0], []).append(key)
    previous: dict[SentenceKey, SentenceKey] = {}
    for keys in by_document.values():
        keys.sort(key=lambda key: key[1])
        previous.update(zip(keys[1:], keys[:-1], strict=True))
    return previous


def _ordered(citations: list[Citation], decision: Decision) -> list[Citation]:
    """Evidence for the verdict first (strongest first), then the rest by retrieval score."""
    key = {
        Verdict.SUPPORTED: Stance.SUPPORTS,
        Verdict.REFUTED: Stance.REFUTES,
    }.get(decision.verdict)

    def weight(citation: Citation) -> tuple[float, float]:
        if key is not None:
            return (-citation.stance_probabilities[key.value], -citation.score)
        if decision.verdict is Verdict.CONFLICTING:
            decisive = max(
                citation.stance_probabilities["SUPPORTS"], citation.stance_probabilities["REFUTES"]
            )
            return (-decisive, -citation.score)
        return (-citation.score, 0.0)

    return sorted(citations, key=weight)
