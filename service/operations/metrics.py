"""Prometheus metrics of one app: HTTP traffic, verdicts, the model queue, the audit trail.

Each app has its own registry (tests build many apps in one process); ``/metrics`` serves it
in the text exposition format.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "factdesk_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "factdesk_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verdicts = Counter(
            "factdesk_verdicts",
            "Verdicts given (and audited).",
            ["verdict"],
            registry=self.registry,
        )
        self.needs_review = Counter(
            "factdesk_answers_needing_review",
            "Answers given that need an editor before use, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.article_checks = Counter(
            "factdesk_article_checks",
            "Drafts checked whole (POST /v1/articles/check) and audited.",
            registry=self.registry,
        )
        self.article_sentences = Histogram(
            "factdesk_article_check_worthy_sentences",
            "Check-worthy sentences verified per checked draft.",
            buckets=(0, 1, 2, 5, 10, 20, 50, 100),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "factdesk_model_batch_size",
            "Claims verified together in one model pass.",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "factdesk_verify_queue_depth",
            "Claims waiting for or in the model now.",
            registry=self.registry,
        )
        self.audit_failures = Counter(
            "factdesk_audit_write_failures",
            "Answers not given because their audit record could not be written.",
            registry=self.registry,
        )
        self.refused = Counter(
            "factdesk_refused_requests",
            "Requests refused before any work, by problem type: rate-limited or busy.",
            ["reason"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "factdesk_auth_failures",
            "Requests without a valid API key, by reason: missing, unknown, or throttled "
            "(the address guessed too many).",
            ["reason"],
            registry=self.registry,
        )
        self.index_info = Gauge(
            "factdesk_index_info",
            "The loaded index (value: its passage count).",
            ["checksum", "embedding_model", "index_type"],
            registry=self.registry,
        )
        self.index_version = Gauge(
            "factdesk_index_version",
            "The corpus version this process answers with.",
            registry=self.registry,
        )

    def answered(self, verdict: str, review_reason: str | None) -> None:
        """Count one audited answer: its verdict, and why it needs review if it does."""
        self.verdicts.labels(verdict).inc()
        if review_reason is not None:
            self.needs_review.labels(review_reason).inc()

    def track_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (not its raw path, which
    would make one series per query id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(route, method, str(status)).observe(elapsed)
