"""What the service runs on: the verification pipeline (factdesk.wiring) plus the audit
database and the batching worker. Built once per process in the app's lifespan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from factdesk.core.settings import Settings
from factdesk.wiring import Pipeline, load_pipeline
from service.audit.repository import AuditRepository
from service.audit.service import AuditService
from service.batching import VerifyBatcher
from service.db import make_engine, make_sessions, upgrade_database
from service.verification import VerificationService


@dataclass(frozen=True)
class Runtime:
    pipeline: Pipeline
    verification: VerificationService
    audit: AuditService
    engine: Engine

    def close(self) -> None:
        """Finish the queued verifications, then release the database."""
        self.verification.close()
        self.engine.dispose()


PipelineFactory = Callable[[Settings], Pipeline]


def start_runtime(settings: Settings, pipeline_factory: PipelineFactory = load_pipeline) -> Runtime:
    """Load the pipeline, migrate the audit database to head, start the batching worker."""
    pipeline = pipeline_factory(settings)
    upgrade_database(settings.audit.database_url)
    engine = make_engine(settings.audit.database_url)
    batcher = VerifyBatcher(pipeline.verifier.verify_many, settings.http.max_batch)
    return Runtime(
        pipeline=pipeline,
        verification=VerificationService(pipeline, batcher),
        audit=AuditService(AuditRepository(make_sessions(engine)), pipeline),
        engine=engine,
    )
