"""What the service runs on, built once per process in the app's lifespan: the verification
pipeline (factdesk.wiring), the database, the live index, the batching worker and each
domain's service. The only module that knows every domain: each route reaches its domain's
component through that domain's one typed dependency."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from factdesk.core.settings import Settings
from factdesk.wiring import (
    Pipeline,
    build_verifier,
    load_pipeline,
    multilingual_spaces,
    segment_store,
)
from index.live import LiveIndex, Snapshot
from index.store import LoadedIndex
from service.articles.service import ArticleCheckService
from service.database import make_engine, make_sessions, upgrade_database
from service.documents.repository import CorpusRepository
from service.documents.service import CorpusService
from service.keys.auth import Authenticator
from service.keys.limits import make_rate_limiter
from service.keys.repository import KeyRepository
from service.operations.metrics import Metrics
from service.publishers.service import PublisherWeights
from service.queries.earlier import EarlierChecks
from service.queries.repository import AuditRepository
from service.queries.service import AuditService
from service.verification.batching import VerifyBatcher
from service.verification.service import VerificationService
from verify.verifier import Verifier

log = logging.getLogger("factdesk")


@dataclass(frozen=True)
class Runtime:
    live: LiveIndex[Verifier]  # the corpus version this process answers with
    corpus: CorpusService
    verification: VerificationService
    audit: AuditService
    articles: ArticleCheckService
    publishers: PublisherWeights
    keys: KeyRepository
    authenticator: Authenticator
    metrics: Metrics
    engine: Engine

    def close(self) -> None:
        """Stop following the database, finish the queued verifications, then release it."""
        self.live.close()
        self.publishers.close()
        self.verification.close()
        self.engine.dispose()


PipelineFactory = Callable[[Settings], Pipeline]


def start_runtime(
    settings: Settings,
    pipeline_factory: PipelineFactory = load_pipeline,
    metrics: Metrics | None = None,
) -> Runtime:
    """Load the pipeline, migrate the database to head, start the batching worker."""
    metrics = metrics or Metrics()
    pipeline = pipeline_factory(settings)
    upgrade_database(settings.audit.database_url)
    engine = make_engine(settings.audit.database_url)
    sessions = make_sessions(engine)
    corpus = CorpusRepository(sessions)
    live = _live_index(settings, pipeline, corpus, metrics)
    live.start()
    batcher = VerifyBatcher(
        # Each batch reads the current version once and runs wholly on it.
        lambda requests: live.current.served.verify_many(requests),
        settings.http.max_batch,
        settings.http.max_queued_claims,
        on_batch=metrics.batch_size.observe,
    )
    metrics.track_queue(lambda: batcher.pending)
    publishers = PublisherWeights(sessions, settings.index.version_poll_s)
    publishers.start()
    keys = KeyRepository(sessions)
    authenticator = Authenticator(
        settings.security,
        keys,
        make_rate_limiter(settings.security.redis_url),
        on_failure=lambda reason: metrics.auth_failures.labels(reason).inc(),
    )
    if authenticator.enabled and keys.active_count() == 0:
        log.warning(
            "no API keys yet: every /v1 request gets 401. Create one with "
            "`factdesk keys create --name NAME --scopes verify,read` "
            "(or set FACTDESK_AUTH=off for local work)"
        )
    stance = settings.stance
    identity = pipeline.verifier.stance_identity
    verification = VerificationService(
        batcher,
        default_top_k=settings.retrieval.default_top_k,
        max_batch_claims=settings.http.max_batch_claims,
        stance_identity=identity,
    )
    repository = AuditRepository(sessions)
    earlier = EarlierChecks(
        repository, pipeline.embedder, settings.earlier_checks.same_claim_similarity
    )
    audit = AuditService(
        repository,
        identity,
        settings.publishing,
        earlier,
        settings.earlier_checks.per_answer,
    )
    return Runtime(
        live=live,
        corpus=CorpusService(corpus, live, stance.languages[0], stance.language_min_probability),
        verification=verification,
        audit=audit,
        articles=ArticleCheckService(pipeline.articles, verification, settings.article),
        publishers=publishers,
        keys=keys,
        authenticator=authenticator,
        metrics=metrics,
        engine=engine,
    )


def _live_index(
    settings: Settings, base: Pipeline, repository: CorpusRepository, metrics: Metrics
) -> LiveIndex[Verifier]:
    """The index versions of the corpus in the database, starting from ``base``'s index;
    every version is answered by a verifier with the base's judges."""
    index = settings.index
    judges = base.verifier.judges

    def serve(loaded: LoadedIndex) -> Verifier:
        return build_verifier(
            settings, base.embedder, loaded, judges, multilingual=base.multilingual
        )

    def swapped(snapshot: Snapshot[Verifier]) -> None:
        manifest = snapshot.index.manifest
        metrics.index_info.clear()
        metrics.index_info.labels(
            manifest.checksum, manifest.embedding_model, manifest.index_type
        ).set(manifest.count)
        metrics.index_version.set(snapshot.version)

    return LiveIndex(
        base.index,
        base.verifier,
        repository,
        segment_store(settings, base.embedder, base.shared),
        serve,
        max_segments=index.max_segments,
        keep_versions=index.keep_versions,
        poll_s=index.version_poll_s,
        shared_wait_s=index.shared_wait_s,
        corpus=base.index.manifest.corpus or index.corpus_dir,
        on_swap=swapped,
        spaces=multilingual_spaces(settings, base),
    )
