"""The operations domain's typed dependency: the app's Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.operations.metrics import Metrics


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.runtime.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
