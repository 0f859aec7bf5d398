"""The FastAPI application factory."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from factdesk import __version__
from factdesk.core.settings import Settings
from factdesk.wiring import load_pipeline
from service.articles import router as articles_routes
from service.documents import router as documents_routes
from service.editor import router as editor_routes
from service.middleware import RequestContextMiddleware
from service.openapi import install_openapi
from service.operations import router as operations_routes
from service.operations.metrics import Metrics, MetricsMiddleware
from service.problems import install_problem_handlers
from service.publishers import router as publishers_routes
from service.queries import router as queries_routes
from service.runtime import PipelineFactory, start_runtime
from service.verification import router as verification_routes

DESCRIPTION = """\
Checks a claim against the configured corpus: retrieves the passages that bear on it, judges
each one's stance, and returns a verdict (SUPPORTED, REFUTED, NOT_ENOUGH_INFO, CONFLICTING)
with a confidence and citations that give the exact character span of the evidence.
Every answer is recorded in an audit trail before it is sent (`/v1/queries`).
Errors are `application/problem+json` (RFC 9457).
"""


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
        max_article_bytes=settings.article.max_upload_bytes,
        body_timeout_s=settings.http.body_timeout_s,
        allowed_hosts=security.allowed_hosts,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts every answer
    # In this order: the order of the paths in openapi.yaml.
    for router in (
        verification_routes.router,
        articles_routes.router,
        queries_routes.router,
        queries_routes.checks_router,
        documents_routes.router,
        documents_routes.versions_router,
        publishers_routes.router,
        operations_routes.router,
        editor_routes.router,
    ):
        app.include_router(router)

    app.mount("/static/docs", StaticFiles(directory=_swagger_assets()), name="docs-assets")
    app.mount(editor_routes.ASSETS_URL, StaticFiles(directory=editor_routes.ASSETS),
              name="editor-assets")  # fmt: skip

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
