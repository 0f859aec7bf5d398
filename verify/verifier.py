"""Verify claims: retrieve passages, judge their sentences, decide, cite exact spans.

One ``_ClaimWork`` carries a claim through the steps; the verifier runs each step for every
claim of a batch at once, so the embedder and the stance model make one pass per step:

1. retrieve (``index.retrieval``): passages with every sentence's relevance to the claim;
2. choose the sentences worth judging (the cross-encoder is the expensive step);
3. judge them, evidence as premise;
4. pick each passage's evidence sentence (on topic and decisive, never cited twice);
5. judge the evidence again, claim as premise (``verify.symmetric``), and apply the explicit
   checks (``verify.checks``);
6. decide (``verify.verdict``) and cite.
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index.corpus import published_date
from index.embedding import Embedder
from index.language import LanguageGuess, guess_language
from index.retrieval import PassageHit, PassageRetriever
from index.segment import Span
from index.sentences import IndexedSentence, SentenceKey
from index.store import LoadedIndex, Manifest
from index.words import normalise_space
from verify.answer_cache import AnswerCache, ClaimKey, claim_key
from verify.calibration import UNCALIBRATED, Calibration
from verify.checks import CHECKS_IDENTITY, FiredCheck, judge_checks
from verify.claim_text import check_claim
from verify.labels import STANCES, Stance
from verify.review import UNFITTED, ReviewPolicy, ReviewReason
from verify.stance_model import (
    Probabilities,
    StanceModel,
    StancePair,
    StanceScores,
    stance_of,
)
from verify.symmetric import BOTH_DIRECTIONS_IDENTITY, combine_directions, reversed_pairs
from verify.topic import TOPIC_GATE_IDENTITY, topic_match
from verify.trust import FULL_TRUST, PublisherTrust, publisher_key
from verify.verdict import Decision, JudgedEvidence, Reason, Verdict, VerdictRule, decide

SENTENCE_CONTEXT_IDENTITY = "sentence before a pronoun"  # how the audit trail names it


@dataclass(frozen=True)
class Citation:
    document_id: str
    title: str | None
    publisher: str | None
    url: str | None
    published: str | None  # the document's date as given (ISO 8601)
    passage_id: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    stance: Stance | None  # None: the sentence states nothing (a heading, a question)
    stance_probabilities: dict[str, float]  # empty when stance is None
    score: float  # retrieval score of the passage (index.retrieval.PassageHit.score)
    decisive: bool  # the verdict rests on this evidence


@dataclass(frozen=True)
class VerdictReason:
    """Why the verdict is what it is, for the editor who reads it."""

    code: Reason
    detail: str
    check: str | None = None  # the explicit check that decided it, if one did


@dataclass(frozen=True)
class Verification:
    claim: str
    verdict: Verdict
    confidence: float
    citations: tuple[Citation, ...]
    took_ms: float
    evidence: tuple[JudgedEvidence, ...]  # what the verdict was decided on
    reason: VerdictReason
    # Why an editor must look before the answer is used (verify.review); None: usable as is.
    review: ReviewReason | None
    index: Manifest  # the index (and corpus version) that answered
    language: str | None = None  # of the claim, as given or detected (index/language.py)
    # The language was a guess: a claim too short to place (index/language.py).
    language_guessed: bool = False
    judge: str | None = None  # the stance model that judged it (None: no judgment made)
    as_of: date | None = None  # the cut-off asked for: no evidence published after it


def _unreadable(
    claim: str, language: str, readable: Sequence[str], index: Manifest
) -> Verification:
    """NOT_ENOUGH_INFO for a claim the stance model cannot read: no judgment, no citations."""
    detail = (
        f"the claim is in {language!r}; the stance models here read {', '.join(readable)} "
        "only, so no verdict is given"
    )
    reason = VerdictReason(Reason.LANGUAGE_NOT_SUPPORTED, detail)
    return Verification(
        claim,
        Verdict.NOT_ENOUGH_INFO,
        0.0,
        (),
        0.0,
        (),
        reason,
        ReviewReason.ABSTENTION,
        index,
        language,
    )


@dataclass(frozen=True)
class ClaimRequest:
    """One claim to verify, already checked (``verify.claim_text``) and with its number of
    passages resolved: build it with ``claim_request``, once per claim. ``language`` is the
    client's word for it (ISO 639-1), which stands instead of detection."""

    claim: str
    top_k: int
    language: str | None = None
    # Evidence published after this day is not used (a document without a date is).
    as_of: date | None = None
    # How much each publisher's evidence counts (weighted 0: never used).
    trust: PublisherTrust = FULL_TRUST


def claim_request(
    claim: str,
    top_k: int | None,
    language: str | None,
    default_top_k: int,
    as_of: date | None = None,
    trust: PublisherTrust = FULL_TRUST,
) -> ClaimRequest:
    """The claim checked (NotAClaimError when it states nothing; its text is kept as
    given) and ``top_k`` resolved."""
    check_claim(claim)
    return ClaimRequest(claim, top_k or default_top_k, language, as_of, trust)


@dataclass(frozen=True)
class VerifierConfig:
    """Built from Settings by factdesk.wiring, which holds the defaults."""

    default_top_k: int
    # Sentences judged by the stance model per claim: the most relevant ones, plus the most
    # relevant sentence of every retrieved passage, so each citation has a judged sentence.
    max_judged_sentences: int
    answer_cache_size: int  # repeated claims answered from memory (0: off)
    both_directions: bool  # verify.symmetric: contradiction judged both ways
    checks: bool  # verify.checks: explicit number, date and polarity conflicts
    topic_gate: bool  # verify.topic: stances count only from evidence about the claim
    # A sentence that opens with a pronoun ("They met in Beijing") is judged, and cited,
    # together with the sentence before it, which says who "they" are.
    sentence_context: bool
    language_min_probability: float  # index/language.py: how sure to call a claim foreign


@dataclass(frozen=True, eq=False)
class Judge:
    """A stance model, the languages it reads and the verdict thresholds fitted for it. The
    verifier's own model is the first judge; a multilingual one may judge the claims in
    languages the first does not read."""

    model: StanceModel
    languages: tuple[str, ...]
    rule: VerdictRule
    calibration: Calibration = UNCALIBRATED
    # verify.topic matches the claim's names and words in the evidence: it reads a claim
    # and evidence in one language, so a cross-lingual judge goes without it.
    topic_gate: bool = True
    # The second, reversed pass of verify.symmetric (when the verifier's both_directions is
    # on): a judge whose answers it does not change is spared the cost.
    both_directions: bool = True
    # When its answers can be used without an editor: fitted with its calibration.
    review: ReviewPolicy = UNFITTED

    @property
    def name(self) -> str:
        return self.model.identity.get("name", "")


@dataclass(frozen=True, eq=False)
class Route:
    """Where a judge's claims are searched: the embedder that reads the claim and a
    retriever over that embedder's vectors of the same passages (the version's own, or a
    companion index: ``LoadedIndex.companions``), which answers as ``index``."""

    embedder: Embedder
    retriever: PassageRetriever
    index: Manifest


@dataclass(eq=False)  # one per sentence and claim: compared, and hashed, by identity
class _Candidate:
    """A sentence of the retrieved passages, as the stance model reads and a citation cites it."""

    sentence: IndexedSentence
    relevance: float  # cosine similarity to the claim
    premise: str  # the sentence, or the sentence before it and the sentence
    cited: Span  # the span the premise covers
    judged: Probabilities | None = None  # (3,) in STANCES order, once judged
    check: FiredCheck | None = None  # the explicit check that fired on it, if one did

    @property
    def row(self) -> Probabilities:
        assert self.judged is not None, "only judged sentences have stance probabilities"
        return self.judged

    @property
    def scores(self) -> StanceScores:
        return StanceScores.of(self.row)

    def overlaps(self, other: _Candidate) -> bool:
        return (
            self.sentence.document_id == other.sentence.document_id
            and self.cited.start < other.cited.end
            and other.cited.start < self.cited.end
        )


@dataclass
class _ClaimWork:
    """One claim on its way through the steps."""

    claim: str
    cache_key: ClaimKey
    trust: PublisherTrust
    judge: int  # position in Verifier.judges
    hits: list[PassageHit]
    candidates: dict[SentenceKey, _Candidate]  # the hits' distinct sentences, first seen first
    chosen: list[_Candidate] = field(default_factory=list)  # to be judged
    evidence: list[tuple[PassageHit, _Candidate]] = field(default_factory=list)  # cited


class Verifier:
    """Domain service; knows nothing of HTTP. Thread-compatible, not async."""

    def __init__(
        self,
        embedder: Embedder,
        index: LoadedIndex,
        judges: Sequence[Judge],
        config: VerifierConfig,
        retriever: PassageRetriever,
        routes: Mapping[int, Route] | None = None,
    ) -> None:
        """``routes``: judge position -> where its claims are searched (a multilingual
        judge's claims in another embedder's vectors); the others in ``index`` with
        ``embedder``."""
        if not judges:
            raise ValueError("a verifier needs at least one judge")
        self._index = index
        default = Route(embedder, retriever, index.manifest)
        self._routes = tuple((routes or {}).get(i, default) for i in range(len(judges)))
        self.config = config
        # The first judge reads the default language, the claims no language is detected for.
        self.judges = tuple(judges)
        # One cache per judge: the same words answered by another judge are another answer.
        self._caches: list[AnswerCache[Verification]] = [
            AnswerCache(config.answer_cache_size) for _ in self.judges
        ]
        self.cache = self._caches[0]
        self._readable = tuple(dict.fromkeys(lang for j in self.judges for lang in j.languages))
        # The dated documents, by date: what a cut-off (ClaimRequest.as_of) leaves out.
        dated = ((published_date(d.published), d.id) for d in index.documents.values())
        self._by_date = sorted((day, doc_id) for day, doc_id in dated if day is not None)
        by_publisher: dict[str, set[str]] = {}
        for document in index.documents.values():
            if document.publisher:
                by_publisher.setdefault(publisher_key(document.publisher), set()).add(document.id)
        self._by_publisher = {name: frozenset(ids) for name, ids in by_publisher.items()}

    def _published_after(self, as_of: date) -> frozenset[str]:
        """The documents published after ``as_of`` (those without a date are kept)."""
        first_later = bisect.bisect_right(self._by_date, (as_of, "\U0010ffff"))
        return frozenset(doc_id for _, doc_id in self._by_date[first_later:])

    def _judge_for(self, language: str) -> int | None:
        for position, judge in enumerate(self.judges):
            if language in judge.languages:
                return position
        return None

    def verify(
        self, claim: str, top_k: int | None = None, language: str | None = None
    ) -> Verification:
        request = claim_request(claim, top_k, language, self.config.default_top_k)
        return self.verify_many([request])[0]

    def verify_many(self, requests: Sequence[ClaimRequest]) -> list[Verification]:
        """Verify several claims together: one embedding pass and one stance-model pass.

        The answers are those ``verify`` gives one at a time; batching only shares the
        models' fixed costs between claims that arrive together.
        """
        started = time.perf_counter()
        results: dict[int, Verification] = {}
        todo: list[tuple[int, str, ClaimKey, int, ClaimRequest]] = []
        languages: dict[int, LanguageGuess] = {}
        manifest = self._index.manifest
        for position, request in enumerate(requests):
            claim = request.claim
            languages[position] = (
                LanguageGuess(request.language, guessed=False)
                if request.language
                else guess_language(
                    claim, self.judges[0].languages[0], self.config.language_min_probability
                )
            )
            language = languages[position].code
            judge = self._judge_for(language)
            if judge is None:
                results[position] = _unreadable(claim, language, self._readable, manifest)
                continue
            key = claim_key(claim, request.top_k, request.as_of, request.trust.key)
            cached = self._caches[judge].get(key)
            if cached is not None:
                results[position] = dataclasses.replace(cached, claim=claim)
            else:
                todo.append((position, claim, key, judge, request))
        if todo:
            # One embedding pass per route (an embedder reads only its own claims).
            queries: dict[int, np.ndarray] = {}
            for route in dict.fromkeys(self._routes[judge] for _, _, _, judge, _ in todo):
                rows = [i for i, item in enumerate(todo) if self._routes[item[3]] is route]
                embedded = route.embedder.embed_queries([todo[i][1] for i in rows])
                queries.update((i, embedded[n : n + 1]) for n, i in enumerate(rows))
            works = [
                self._retrieve(claim, key, judge, queries[row], asked)
                for row, (_, claim, key, judge, asked) in enumerate(todo)
            ]
            self._judge_chosen(works)
            for work in works:
                work.evidence = self._evidence(work)
            self._rejudge_evidence(works)
            for (position, _, _, _, _), work in zip(todo, works, strict=True):
                verification = self._decide(work)
                self._caches[work.judge].put(work.cache_key, verification)
                results[position] = verification
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return [
            dataclasses.replace(
                results[i],
                took_ms=took_ms,
                language=languages[i].code,
                language_guessed=languages[i].guessed,
                as_of=requests[i].as_of,
            )
            for i in range(len(requests))
        ]

    @property
    def stance_identity(self) -> dict[str, str]:
        """The stance model and what the pipeline adds to its judgment, for the audit trail."""
        identity = dict(self.judges[0].model.identity)
        if self.config.checks:
            identity["checks"] = CHECKS_IDENTITY
        if self.config.both_directions:
            identity["contradiction"] = BOTH_DIRECTIONS_IDENTITY
        if self.config.sentence_context:
            identity["context"] = SENTENCE_CONTEXT_IDENTITY
        if self.config.topic_gate:
            identity["topic"] = TOPIC_GATE_IDENTITY
        for judge in self.judges[1:]:
            # What this judge goes without, so an audit record says how it was judged.
            without = [
                name
                for name, applies in (
                    ("topic gate", self.config.topic_gate and not judge.topic_gate),
                    ("reversed pass", self.config.both_directions and not judge.both_directions),
                )
                if applies
            ]
            identity[f"judge:{','.join(judge.languages)}"] = (
                f"{judge.name} ({judge.model.identity.get('checksum', '')})"
                + (f"; without {', '.join(without)}" if without else "")
            )
        return identity

    # --- 1 and 2: retrieve, and choose what to judge

    def _retrieve(
        self, claim: str, cache_key: ClaimKey, judge: int, query: np.ndarray, asked: ClaimRequest
    ) -> _ClaimWork:
        excluded = self._published_after(asked.as_of) if asked.as_of else frozenset()
        for publisher in asked.trust.excluded:  # weighted 0: never retrieved, never cited
            excluded |= self._by_publisher.get(publisher, frozenset())
        route = self._routes[judge]
        hits = route.retriever.retrieve(claim, query, cache_key[1], excluded)
        candidates: dict[SentenceKey, _Candidate] = {}
        for hit in hits:
            for scored in hit.sentences:
                if scored.sentence.key not in candidates:
                    candidates[scored.sentence.key] = self._candidate(
                        scored.sentence, scored.relevance
                    )
        work = _ClaimWork(claim, cache_key, asked.trust, judge, hits, candidates)
        work.chosen = self._choose(work)
        return work

    def _candidate(self, sentence: IndexedSentence, relevance: float) -> _Candidate:
        context = self.config.sentence_context and sentence.opens_with_pronoun
        previous = sentence.previous if context else None
        if previous is None:
            return _Candidate(sentence, relevance, sentence.normalised, sentence.span)
        cited = Span(previous.start, sentence.key.end)
        text = self._index.documents[sentence.document_id].text
        return _Candidate(
            sentence, relevance, normalise_space(text[cited.start : cited.end]), cited
        )

    def _choose(self, work: _ClaimWork) -> list[_Candidate]:
        """The most relevant statements, and for every passage at least one sentence."""
        statements = [c for c in work.candidates.values() if c.sentence.statement]
        chosen = sorted(statements, key=lambda c: -c.relevance)
        chosen = chosen[: self.config.max_judged_sentences]
        keys = {c.sentence.key for c in chosen}
        for hit in work.hits:  # every citation needs a judged sentence
            own = [work.candidates[s.sentence.key] for s in hit.sentences]
            if not any(c.sentence.key in keys for c in own):
                pick = max(own, key=lambda c: (c.sentence.statement, c.relevance))
                chosen.append(pick)
                keys.add(pick.sentence.key)
        return chosen

    # --- 3: judge

    def _predict(self, pairs: Sequence[StancePair], judges: Sequence[int]) -> Probabilities:
        """Each pair judged by its claim's judge: one pass per judge that has pairs."""
        out = np.zeros((len(pairs), len(STANCES)), np.float32)
        for judge in sorted(set(judges)):
            rows = [i for i, j in enumerate(judges) if j == judge]
            out[rows] = self.judges[judge].model.predict([pairs[i] for i in rows])
        return out

    def _judge_chosen(self, works: Sequence[_ClaimWork]) -> None:
        """One stance-model pass over every claim's chosen sentences."""
        chosen = [(work, candidate) for work in works for candidate in work.chosen]
        pairs = [StancePair(candidate.premise, work.claim) for work, candidate in chosen]
        judged = self._predict(pairs, [work.judge for work, _ in chosen])
        for (_, candidate), row in zip(chosen, judged, strict=True):
            candidate.judged = row

    # --- 4: evidence

    def _evidence(self, work: _ClaimWork) -> list[tuple[PassageHit, _Candidate]]:
        """Each retrieved passage's evidence sentence, in retrieval order.

        Passages overlap, so a passage whose best sentence has been cited already (or shares
        text with one that has: a sentence cited with its context) cites its next best; one
        with nothing new to cite is left out rather than cite the same words twice.
        """
        evidence: list[tuple[PassageHit, _Candidate]] = []
        for hit in work.hits:
            fresh = [
                candidate
                for candidate in (work.candidates[s.sentence.key] for s in hit.sentences)
                if candidate.judged is not None
                and not any(candidate.overlaps(cited) for _, cited in evidence)
            ]
            if fresh:
                evidence.append((hit, _best_evidence(fresh)))
        return evidence

    # --- 5: second look

    def _rejudge_evidence(self, works: Sequence[_ClaimWork]) -> None:
        """Second look at the sentences the verdicts rest on (one per passage).

        Only these are judged the other way round: the rest of the judged sentences served
        to pick them, which needs only the forward direction's NEUTRAL.
        """
        config = self.config
        if not (config.both_directions or config.checks):
            return
        cited = [
            (work, candidate)
            for work in works
            for candidate in dict.fromkeys(candidate for _, candidate in work.evidence)
        ]
        if not cited:
            return
        pairs = [StancePair(candidate.premise, work.claim) for work, candidate in cited]
        rejudged: Probabilities = np.stack([candidate.row for _, candidate in cited])
        if config.both_directions:
            judges = self.judges
            both = [i for i, (work, _) in enumerate(cited) if judges[work.judge].both_directions]
            if both:
                reverse = self._predict(
                    reversed_pairs([pairs[i] for i in both]), [cited[i][0].judge for i in both]
                )
                rejudged[both] = combine_directions(rejudged[both], reverse)
        fired: list[FiredCheck | None] = [None] * len(cited)
        if config.checks:
            rejudged, fired = judge_checks(pairs, rejudged)
        for (_, candidate), row, check in zip(cited, rejudged, fired, strict=True):
            candidate.judged = row
            candidate.check = check

    # --- 6: decide and cite

    def _decide(self, work: _ClaimWork) -> Verification:
        judge = self.judges[work.judge]
        statements = [(hit, c) for hit, c in work.evidence if c.sentence.statement]
        evidence = [
            self._judged(work.claim, hit, candidate, judge, work.trust)
            for hit, candidate in statements
        ]
        decision = decide(evidence, judge.rule)
        candidates = [c for _, c in statements]
        decisive = {id(candidates[i]) for i in decision.decided_by}
        citations = [
            self._citation(hit, candidate, id(candidate) in decisive)
            for hit, candidate in work.evidence
        ]
        confidence = round(self._confidence(decision, candidates, judge), 4)
        return Verification(
            claim=work.claim,
            verdict=decision.verdict,
            confidence=confidence,
            citations=tuple(_ordered(citations, decision)),
            took_ms=0.0,  # set by verify_many for the whole batch
            evidence=tuple(evidence),
            reason=self._reason(decision, evidence, candidates, judge.rule),
            review=judge.review.reason(decision.verdict, confidence),
            index=self._routes[work.judge].index,  # the vectors it was retrieved with
            judge=judge.name,
        )

    def _judged(
        self,
        claim: str,
        hit: PassageHit,
        candidate: _Candidate,
        judge: Judge,
        trust: PublisherTrust,
    ) -> JudgedEvidence:
        scores = candidate.scores
        document = self._index.documents[candidate.sentence.document_id]
        weight = trust.weight(document.publisher)  # (verify.trust)
        topic = (
            topic_match(claim, candidate.premise, context=hit.passage.text)
            if self.config.topic_gate and judge.topic_gate
            else None
        )
        return JudgedEvidence(
            candidate.sentence.document_id,
            scores.supports * weight,
            scores.refutes * weight,
            candidate.relevance,
            check=candidate.check.name if candidate.check else None,
            topic=topic,
        )

    @staticmethod
    def _confidence(decision: Decision, candidates: Sequence[_Candidate], judge: Judge) -> float:
        """How often a verdict like this one is right. A refutation by an explicit check
        reports the check's precision measured on the NLI benchmarks, which is that already
        and rests on hundreds of pairs; the judge's calibration maps are fitted on the model's
        own verdicts (a handful of check refutations among them would be lumped with the
        model's far less precise ones)."""
        if decision.reason is Reason.REFUTED_BY_CHECK:
            return _deciding_check(decision, candidates).precision
        return judge.calibration(decision.verdict, decision.confidence)

    def _reason(
        self,
        decision: Decision,
        evidence: Sequence[JudgedEvidence],
        candidates: Sequence[_Candidate],
        rule: VerdictRule,
    ) -> VerdictReason:
        if decision.reason is Reason.REFUTED_BY_CHECK:
            check = _deciding_check(decision, candidates)
            return VerdictReason(decision.reason, check.detail, check.name)
        if decision.decided_by:
            documents = ", ".join(
                dict.fromkeys(evidence[i].document_id for i in decision.decided_by)
            )
            return VerdictReason(decision.reason, f"decided by evidence in {documents}")
        if decision.reason is Reason.NO_RELEVANT_EVIDENCE:
            best = max((e.relevance for e in evidence), default=None)
            found = "nothing was retrieved" if best is None else f"the closest is {best:.2f}"
            return VerdictReason(
                decision.reason,
                f"no sentence is similar enough to the claim ({found}; "
                f"{rule.min_relevance:.2f} needed)",
            )
        if decision.reason is Reason.EVIDENCE_NOT_ABOUT_CLAIM:
            closest = max(evidence, key=lambda e: e.relevance)
            assert closest.topic is not None
            return VerdictReason(decision.reason, closest.topic.describe())
        # decide() gives an unsure NOT_ENOUGH_INFO 1 minus the stronger side it weighed; that
        # side can reach the support threshold only if it is the refutation (else: SUPPORTED).
        strongest = 1.0 - decision.confidence
        if strongest >= rule.support_threshold:
            detail = (
                f"the stronger side of the evidence about the claim, REFUTES {strongest:.2f}, "
                f"is below the REFUTED threshold {rule.refute_threshold:.2f}"
            )
        else:
            detail = (
                f"no stance of the evidence about the claim reaches a threshold: the strongest "
                f"is {strongest:.2f} (SUPPORTED needs {rule.support_threshold:.2f}, REFUTED "
                f"{rule.refute_threshold:.2f})"
            )
        return VerdictReason(decision.reason, detail)

    def _citation(self, hit: PassageHit, candidate: _Candidate, decisive: bool) -> Citation:
        document = self._index.documents[hit.passage.document_id]
        statement = candidate.sentence.statement
        return Citation(
            document_id=document.id,
            title=document.title,
            publisher=document.publisher,
            url=document.url,
            published=document.published,
            passage_id=hit.passage.id,
            text=document.text[candidate.cited.start : candidate.cited.end],
            start=candidate.cited.start,
            end=candidate.cited.end,
            stance=stance_of(candidate.row) if statement else None,
            stance_probabilities={
                s.value: round(float(p), 4) for s, p in zip(STANCES, candidate.row, strict=True)
            }
            if statement
            else {},
            score=round(hit.score, 4),
            decisive=decisive,
        )


def _best_evidence(candidates: Sequence[_Candidate]) -> _Candidate:
    """A passage's evidence: a statement, on topic and decisive (ties: the earliest)."""
    return max(
        sorted(candidates, key=lambda c: c.sentence.key),
        key=lambda c: (
            c.sentence.statement,
            max(c.relevance, 0.0) * (1.0 - c.scores.neutral),
        ),
    )


def _deciding_check(decision: Decision, candidates: Sequence[_Candidate]) -> FiredCheck:
    """The explicit check behind a ``refuted_by_check`` decision."""
    check = candidates[decision.decided_by[0]].check
    assert check is not None
    return check


def _ordered(citations: list[Citation], decision: Decision) -> list[Citation]:
    """The evidence the verdict rests on first, then evidence for the verdict (strongest
    first), then the rest by retrieval score."""
    key = {
        Verdict.SUPPORTED: Stance.SUPPORTS,
        Verdict.REFUTED: Stance.REFUTES,
    }.get(decision.verdict)

    def weight(citation: Citation) -> tuple[bool, float, float]:
        probabilities = citation.stance_probabilities
        if key is not None:
            return (not citation.decisive, -probabilities.get(key.value, 0.0), -citation.score)
        if decision.verdict is Verdict.CONFLICTING:
            strongest = max(probabilities.get("SUPPORTS", 0.0), probabilities.get("REFUTES", 0.0))
            return (not citation.decisive, -strongest, -citation.score)
        return (False, -citation.score, 0.0)

    return sorted(citations, key=weight)
