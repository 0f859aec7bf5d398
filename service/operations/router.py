"""GET /healthz, /readyz and /metrics: the probes and the Prometheus exposition."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from service.documents import IndexDep
from service.operations.dependencies import MetricsDep
from service.operations.schemas import Health, Readiness
from service.queries import AuditDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Index loaded and database reachable",
    responses={503: {"model": Readiness, "description": "Not ready."}},
)
async def readyz(audit: AuditDep, index: IndexDep) -> JSONResponse:
    database = await run_in_threadpool(audit.ping)
    loaded = index.searchable == index.manifest.count
    ready = Readiness(
        status="ready" if database and loaded else "not ready", index=loaded, database=database
    )
    return JSONResponse(ready.model_dump(), status_code=200 if database and loaded else 503)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(metrics: MetricsDep) -> Response:
    # Like /healthz, for the operator's network: put it behind the proxy's access rules.
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
