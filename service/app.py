"""The FastAPI application factory."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from factdesk import __version__
from factdesk.core.settings import Settings
from factdesk.wiring import load_pipeline
from service.metrics import Metrics, MetricsMiddleware
from service.middleware import RequestContextMiddleware
from service.openapi import install_openapi
from service.problems import install_problem_handlers
from service.routes import documents, health, queries, verify
from service.runtime import PipelineFactory, start_runtime

DESCRIPTION = """\
Checks a claim against the configured corpus: retrieves the passages that bear on it, judges
each one's stance, and returns a verdict (SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING)
with a confidence and citations that give the exact character span of the evidence.
Every answer is recorded in an audit trail before it is sent (`/v1/queries`).
Errors are `application/problem+json` (RFC 9457).
"""


EDITOR_ASSETS = Path(__file__).resolve().parent / "static" / "editor"


def _swagger_assets() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("fastapi-offline (Swagger UI assets) is not installed")
    return Path(spec.origin).parent / "static"


def create_app(
    settings: Settings | None = None,
    pipeline_factory: PipelineFactory = load_pipeline,
) -> FastAPI:
    """Build the app; models, index and database are loaded in ``lifespan``, not here.

    Tests pass a ``pipeline_factory`` that wires fakes behind the model Protocols; the
    database, the batching and everything else is what production runs.
    """
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await run_in_threadpool(start_runtime, settings, pipeline_factory, metrics)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="factdesk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app, on_refused=lambda slug: metrics.refused.labels(slug).inc())
    install_openapi(app)
    security = settings.security
    if security.cors_origins:  # innermost: preflights pass the host check first
        app.add_middleware(
            CORSMiddleware,
            allow_origins=security.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.http.max_body_bytes,
        max_document_bytes=settings.http.max_document_bytes,
        body_timeout_s=settings.http.body_timeout_s,
        allowed_hosts=security.allowed_hosts,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts every answer
    routers = (verify.router, queries.router, documents.router, documents.versions_router)
    for router in (*routers, health.router):
        app.include_router(router)

    app.mount("/static/docs", StaticFiles(directory=_swagger_assets()), name="docs-assets")
    app.mount("/static/editor", StaticFiles(directory=EDITOR_ASSETS), name="editor-assets")

    @app.get("/", include_in_schema=False)
    async def editor_page() -> FileResponse:
        # The page itself needs no key; every call it makes sends the editor's.
        return FileResponse(EDITOR_ASSETS / "index.html", media_type="text/html")

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        # Like /healthz, for the operator's network: put it behind the proxy's access rules.
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="factdesk API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    return app
