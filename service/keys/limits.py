"""Rate limits: sliding-window counters per client, in Redis (shared by every replica) or in
this process's memory.

Each client has a counter per fixed window; a request is measured against the current
window's count plus the previous window's, weighted by how much of the previous window the
sliding window still covers. Fixed windows alone let a client spend its limit twice across a
window boundary (at 0:59 and again at 1:00); the weighted estimate does not, at the cost of
two counters per client."""

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

    def wait(self, client: str, limit: int, window_s: int) -> float | None:
        """Seconds until one more of ``client`` would fit ``limit``; None when it fits now.
        Counts nothing."""


def _refuse(limit: int, window_s: int, retry_after: float) -> None:
    raise RateLimitedError(
        f"rate limit of {limit} requests per {window_s} s reached; retry after "
        f"{math.ceil(retry_after)} s",
        max(1, math.ceil(retry_after)),
    )


def wait_for_room(
    previous: int, current: int, cost: int, limit: int, into_s: float, window_s: int
) -> float | None:
    """None when ``cost`` more requests fit the sliding window now; otherwise the seconds
    until they will, with ``previous``/``current`` requests counted in the previous and
    current fixed windows and ``into_s`` seconds gone of the current one."""
    covered = 1.0 - into_s / window_s  # share of the previous window still in the slide
    if previous * covered + current + cost <= limit:
        return None
    if cost > limit:
        return float(window_s)  # never fits: say one window, the client learns from the 429
    room = limit - current - cost
    if room >= 0 and previous > 0:  # this window: wait for the previous one to slide out
        return max(0.0, (1.0 - room / previous) * window_s - into_s)
    # The next window: the current count becomes the previous one, and slides out in turn.
    next_into = (1.0 - (limit - cost) / current) * window_s if current else 0.0
    return window_s - into_s + next_into


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
            if len(self._counts) > 10_000:  # drop the windows that no slide covers
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
            previous = self._counts.get((client, window - 1), 0)
            current = self._counts.get((client, window), 0)
            wait = wait_for_room(previous, current, cost, limit, now - window * window_s, window_s)
            if wait is not None:
                _refuse(limit, window_s, wait)
            self._counts[(client, window)] = current + cost

    def wait(self, client: str, limit: int, window_s: int) -> float | None:
        now = self._clock()
        window = int(now // window_s)
        with self._lock:
            previous = self._counts.get((client, window - 1), 0)
            current = self._counts.get((client, window), 0)
        return wait_for_room(previous, current, 1, limit, now - window * window_s, window_s)


class RedisRateLimiter:
    """Counters in Redis: INCRBY of this window's counter and GET of the previous one in one
    transaction; a refused request is taken back out (DECRBY), so it does not count. If
    Redis cannot be reached the request is let through and the failure logged: a limiter
    outage must not take the whole service down with it."""

    def __init__(self, url: str, clock: Clock = time.time) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._clock = clock

    def charge(self, client: str, cost: int, limit: int, window_s: int) -> None:
        import redis

        now = self._clock()
        window = int(now // window_s)
        prefix = f"factdesk:rate:{window_s}:{client}"
        key = f"{prefix}:{window}"
        try:
            pipeline = self._redis.pipeline()
            pipeline.incrby(key, cost)
            pipeline.expire(key, 2 * window_s + 1)  # the next window still reads it
            pipeline.get(f"{prefix}:{window - 1}")
            counted, _, previous = pipeline.execute()
            current = int(counted) - cost
            wait = wait_for_room(
                int(previous or 0), current, cost, limit, now - window * window_s, window_s
            )
            if wait is not None:
                self._redis.decrby(key, cost)
        except redis.RedisError as exc:
            log.warning("rate limit not applied, Redis failed: %s", exc)
            return
        if wait is not None:
            _refuse(limit, window_s, wait)

    def wait(self, client: str, limit: int, window_s: int) -> float | None:
        import redis

        now = self._clock()
        window = int(now // window_s)
        prefix = f"factdesk:rate:{window_s}:{client}"
        try:
            previous, current = self._redis.mget(f"{prefix}:{window - 1}", f"{prefix}:{window}")
        except redis.RedisError as exc:
            log.warning("rate limit not applied, Redis failed: %s", exc)
            return None
        return wait_for_room(
            int(previous or 0), int(current or 0), 1, limit, now - window * window_s, window_s
        )


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
