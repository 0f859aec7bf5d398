"""What the service runs on: the verification pipeline (factdesk.wiring) plus the audit
database and the batching worker. Built once per process in the app's lifespan."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from factdesk.core.settings import Settings
from factdesk.wiring import Pipeline, assemble_pipeline, index_spec, load_pipeline
from index.store import LoadedIndex
from index.versions import SegmentStore
from service.audit.repository import AuditRepository
from service.audit.service import AuditService
from service.auth import Authenticator
from service.batching import VerifyBatcher
from service.corpus.live import LiveIndex, Snapshot
from service.corpus.repository import CorpusRepository
from service.corpus.service import CorpusService
from service.db import make_engine, make_sessions, upgrade_database
from service.keys.repository import KeyRepository
from service.limits import make_rate_limiter
from service.metrics import Metrics
from service.verification import VerificationService

log = logging.getLogger("factdesk")


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    pipeline: Pipeline  # the base the process started with; live.current answers
    live: LiveIndex
    corpus: CorpusService
    verification: VerificationService
    audit: AuditService
    keys: KeyRepository
    authenticator: Authenticator
    metrics: Metrics
    engine: Engine

    def close(self) -> None:
        """Stop following the database, finish the queued verifications, then release it."""
        self.live.close()
        self.verification.close()
        self.engine.dispose()


PipelineFactory = Callable[[Settings], Pipeline]


def start_runtime(
    settings: Settings,
    pipeline_factory: PipelineFactory = load_pipeline,
    metrics: Metrics | None = None,
) -> Runtime:
    """Load the pipeline, migrate the audit database to head, start the batching worker."""
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
        lambda requests: live.current.pipeline.verifier.verify_many(requests),
        settings.http.max_batch,
        settings.http.max_queued_claims,
        on_batch=metrics.batch_size.observe,
    )
    metrics.track_queue(lambda: batcher.pending)
    keys = KeyRepository(sessions)
    authenticator = Authenticator(
        settings.security, keys, make_rate_limiter(settings.security.redis_url)
    )
    if authenticator.enabled and keys.active_count() == 0:
        log.warning(
            "no API keys yet: every /v1 request gets 401. Create one with "
            "`factdesk keys create --name NAME --scopes verify,read` "
            "(or set FACTDESK_AUTH=off for local work)"
        )
    stance = settings.stance
    return Runtime(
        settings=settings,
        pipeline=pipeline,
        live=live,
        corpus=CorpusService(corpus, live, stance.languages[0], stance.language_min_probability),
        verification=VerificationService(pipeline, batcher),
        audit=AuditService(AuditRepository(sessions), pipeline),
        keys=keys,
        authenticator=authenticator,
        metrics=metrics,
        engine=engine,
    )


def _live_index(
    settings: Settings, base: Pipeline, repository: CorpusRepository, metrics: Metrics
) -> LiveIndex:
    """The index versions of the corpus in the database, starting from ``base``'s index."""
    index = settings.index

    def assemble(loaded: LoadedIndex) -> Pipeline:
        return assemble_pipeline(
            settings, base.embedder, loaded, base.stance, other_judges=base.other_judges
        )

    def swapped(snapshot: Snapshot) -> None:
        manifest = snapshot.pipeline.index.manifest
        metrics.index_info.clear()
        metrics.index_info.labels(
            manifest.checksum, manifest.embedding_model, manifest.index_type
        ).set(manifest.count)
        metrics.index_version.set(snapshot.version)

    return LiveIndex(
        base,
        repository,
        SegmentStore(index.segments_dir, base.embedder, index_spec(settings)),
        assemble,
        max_segments=index.max_segments,
        keep_versions=index.keep_versions,
        poll_s=index.version_poll_s,
        corpus=base.index.manifest.corpus or index.corpus_dir,
        on_swap=swapped,
    )
