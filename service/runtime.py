"""What the service runs on: the verification pipeline (factdesk.wiring) plus the audit
database and the batching worker. Built once per process in the app's lifespan."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from factdesk.core.settings import Settings
from factdesk.wiring import Pipeline, load_pipeline
from service.audit.repository import AuditRepository
from service.audit.service import AuditService
from service.auth import Authenticator
from service.batching import VerifyBatcher
from service.db import make_engine, make_sessions, upgrade_database
from service.keys.repository import KeyRepository
from service.limits import make_rate_limiter
from service.metrics import Metrics
from service.verification import VerificationService

log = logging.getLogger("factdesk")


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    pipeline: Pipeline
    verification: VerificationService
    audit: AuditService
    keys: KeyRepository
    authenticator: Authenticator
    metrics: Metrics
    engine: Engine

    def close(self) -> None:
        """Finish the queued verifications, then release the database."""
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
    batcher = VerifyBatcher(
        pipeline.verifier.verify_many,
        settings.http.max_batch,
        settings.http.max_queued_claims,
        on_batch=metrics.batch_size.observe,
    )
    metrics.track_queue(lambda: batcher.pending)
    manifest = pipeline.index.manifest
    metrics.index_info.labels(manifest.checksum, manifest.embedding_model, manifest.index_type).set(
        manifest.count
    )
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
    return Runtime(
        settings=settings,
        pipeline=pipeline,
        verification=VerificationService(pipeline, batcher),
        audit=AuditService(AuditRepository(sessions), pipeline),
        keys=keys,
        authenticator=authenticator,
        metrics=metrics,
        engine=engine,
    )
