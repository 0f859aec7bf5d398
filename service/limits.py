"""Rate limits: fixed one-window counters per client, in Redis (shared by every replica) or
in this process's memory."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from factdesk.core.errors import RetryLaterError

log = logging.getLogger("factdesk")
Clock = Callable[[], float]


class RateLimitedError(RetryLaterError):
    pass


class RateLimiter(Protocol):
    def charge(self, client: str, cost: int, limit: int, window_s: int) -> None:
        """Count ``cost`` requests of ``client``; RateLimitedError once over ``limit``."""


def _refuse(limit: int, window_s: int, retry_after: float) -> None:
    raise RateLimitedError(
        f"rate limit of {limit} requests per {window_s} s reached; retry after "
        f"{math.ceil(retry_after)} s",
        math.ceil(retry_after),
    )


class MemoryRateLimiter:
    """Counters of this process only: with several replicas each counts its own share."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def charge(self, client: str, cost: int, limit: int, window_s: int) -> None:
        now = self._clock()
        window = int(now // window_s)
        with self._lock:
            if len(self._counts) > 10_000:  # drop the windows that are over
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
            count = self._counts.get((client, window), 0) + cost
            if count > limit:
                _refuse(limit, window_s, (window + 1) * window_s - now)
            self._counts[(client, window)] = count


class RedisRateLimiter:
    """Counters in Redis (INCRBY + EXPIRE in one transaction). If Redis cannot be reached
    the request is let through and the failure logged: a limiter outage must not take the
    whole service down with it."""

    def __init__(self, url: str, clock: Clock = time.time) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._clock = clock

    def charge(self, client: str, cost: int, limit: int, window_s: int) -> None:
        import redis

        now = self._clock()
        window = int(now // window_s)
        key = f"factdesk:rate:{window_s}:{client}:{window}"
        try:
            pipeline = self._redis.pipeline()
            pipeline.incrby(key, cost)
            pipeline.expire(key, window_s + 1)
            count = int(pipeline.execute()[0])
        except redis.RedisError as exc:
            log.warning("rate limit not applied, Redis failed: %s", exc)
            return
        if count > limit:
            _refuse(limit, window_s, (window + 1) * window_s - now)


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
