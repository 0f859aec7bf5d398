"""The heavy things (models, index, database), built once per process in the app's lifespan."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from factdesk.settings import Settings, resolve_path
from index.corpus import corpus_fingerprint, load_corpus
from index.embedding import Embedder, load_embedder
from index.retrieval import make_retriever
from index.store import IndexSpec, LoadedIndex, build_index, load_index
from service.audit.repository import AuditRepository
from service.batching import VerifyBatcher
from service.db import make_engine, make_sessions, upgrade_database
from verify.pipeline import Verification, Verifier, VerifierConfig
from verify.stance_model import StanceModel, load_stance_model, stance_config
from verify.verdict import VerdictRule

log = logging.getLogger("factdesk")


@dataclass
class Components:
    verifier: Verifier
    index: LoadedIndex
    repository: AuditRepository
    embedding_model: str
    stance_identity: dict[str, str]
    engine: Engine | None = None
    max_batch: int = 16
    passage_counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for passage in self.index.passages:
            self.passage_counts[passage.document_id] = (
                self.passage_counts.get(passage.document_id, 0) + 1
            )
        self.batcher = VerifyBatcher(self.verifier.verify_many, self.max_batch)

    async def verify(self, claim: str, top_k: int | None) -> Verification:
        """Verify off the event loop, batched with whatever else is waiting."""
        return await self.batcher.verify(claim, top_k)

    def close(self) -> None:
        self.batcher.close()
        if self.engine is not None:
            self.engine.dispose()


def index_spec(settings: Settings) -> IndexSpec:
    return IndexSpec(
        embedding_model=settings.embedding_model,
        passage_window=settings.passage_window,
        passage_stride=settings.passage_stride,
        index_type=settings.index_type,
        flat_max_passages=settings.flat_max_passages,
        hnsw_m=settings.hnsw_m,
        hnsw_ef_construction=settings.hnsw_ef_construction,
        hnsw_ef_search=settings.hnsw_ef_search,
        ivf_nlist=settings.ivf_nlist,
        ivf_nprobe=settings.ivf_nprobe,
    )


def verdict_rule(settings: Settings) -> VerdictRule:
    return VerdictRule(
        support_threshold=settings.support_threshold,
        refute_threshold=settings.refute_threshold,
        conflict_threshold=settings.conflict_threshold,
        min_relevance=settings.min_relevance,
        refute_margin=settings.refute_margin,
    )


def load_stance(settings: Settings) -> StanceModel:
    """The stance model alone; the verifier adds the checks and the reverse direction."""
    return load_stance_model(stance_config(settings))


def open_index(settings: Settings, embedder: Embedder, build_if_missing: bool) -> LoadedIndex:
    """Load the configured index, building it from the configured corpus when absent."""
    index_dir = resolve_path(settings.index_dir)
    corpus_path = resolve_path(settings.corpus_dir)
    documents = (
        load_corpus(corpus_path) if settings.check_corpus_fingerprint or build_if_missing else None
    )
    if not (index_dir / "manifest.json").exists() and build_if_missing and documents is not None:
        log.warning("no index at %s: building it from %s", index_dir, corpus_path)
        manifest = build_index(documents, embedder, index_spec(settings), index_dir)
        log.warning("index built: %d passages, checksum %s", manifest.count, manifest.checksum[:12])
    return load_index(
        index_dir,
        embedding_model=embedder.name,
        dimension=embedder.dimension,
        expected_fingerprint=corpus_fingerprint(documents) if documents is not None else None,
    )


def make_verifier(
    settings: Settings,
    embedder: Embedder,
    index: LoadedIndex,
    stance: StanceModel,
    answer_cache: bool = True,
) -> Verifier:
    """The configured verifier; evaluations turn the answer cache off to time every claim."""
    return Verifier(
        embedder,
        index,
        stance,
        VerifierConfig(
            default_top_k=settings.default_top_k,
            max_judged_sentences=settings.max_judged_sentences,
            rule=verdict_rule(settings),
            answer_cache_size=settings.answer_cache_size if answer_cache else 0,
            both_directions=settings.stance_both_directions,
            checks=settings.stance_checks,
            sentence_context=settings.stance_sentence_context,
        ),
        make_retriever(settings.retrieval, index, settings.rerank_depth),
    )


def assemble_components(
    settings: Settings, embedder: Embedder, index: LoadedIndex, stance: StanceModel
) -> Components:
    """Wire loaded models and index to a migrated audit database."""
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    verifier = make_verifier(settings, embedder, index, stance)
    return Components(
        verifier=verifier,
        index=index,
        repository=AuditRepository(make_sessions(engine)),
        embedding_model=embedder.name,
        stance_identity=verifier.stance_identity,
        engine=engine,
        max_batch=settings.max_batch,
    )


def build_components(settings: Settings, build_index_if_missing: bool = True) -> Components:
    embedder = load_embedder(settings.embedding_model, settings.embedding_threads)
    index = open_index(settings, embedder, build_index_if_missing)
    return assemble_components(settings, embedder, index, load_stance(settings))
