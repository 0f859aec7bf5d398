"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.dependencies import AuditDep, IndexDep
from service.schemas import Health, Readiness

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
