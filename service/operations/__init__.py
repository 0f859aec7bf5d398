"""Operations: liveness and readiness probes, Prometheus metrics.

Public surface for the other domains: ``Metrics`` and its dependency ``MetricsDep``.
"""

from service.operations.dependencies import MetricsDep
from service.operations.metrics import Metrics

__all__ = ["Metrics", "MetricsDep"]
