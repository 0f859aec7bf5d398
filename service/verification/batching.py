"""Verification off the event loop, batched across concurrent requests.

One worker thread runs the models (they already use every core; more threads would only
thrash). When it frees up, it takes every request waiting at that moment, up to
``max_batch``, and verifies them together: one embedding pass and one stance-model pass for
all of them. A lone request never waits for company, so batching costs single-client
latency nothing; under load it shares the models' fixed costs between requests.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from factdesk.core.errors import BusyError
from verify.verifier import ClaimRequest, Verification

log = logging.getLogger("factdesk")

VerifyMany = Callable[[Sequence[ClaimRequest]], list[Verification]]


@dataclass
class _Job:
    request: ClaimRequest
    future: asyncio.Future[Verification]
    loop: asyncio.AbstractEventLoop

    def resolve(self, result: Verification | BaseException) -> None:
        self.loop.call_soon_threadsafe(_settle, self.future, result)


def _settle(future: asyncio.Future[Verification], result: Verification | BaseException) -> None:
    if future.done():  # the client went away and the request was cancelled
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class VerifyBatcher:
    def __init__(
        self,
        verify_many: VerifyMany,
        max_batch: int,
        max_queued: int = 1_000_000,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._verify_many = verify_many
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._on_batch = on_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="factdesk-cpu", daemon=True)
        self._thread.start()
        self.batches = 0
        self.largest_batch = 0
        self._pending = 0  # claims queued or in the model; changed on the event loop only
        self._closed = False

    @property
    def pending(self) -> int:
        return self._pending

    def admit(self, claims: int) -> None:
        """Refuse (BusyError, a 503 with Retry-After) work that would overfill the queue."""
        if self._pending + claims > self._max_queued:
            # About how long the queue takes to drain: a batch per second is a fair guess
            # on 2 cores, and the client learns more from a short wait than from none.
            drain_s = max(1, self._pending // self._max_batch)
            raise BusyError(
                f"{self._pending} claims are waiting for the model; retry in {drain_s} s",
                drain_s,
            )

    async def verify(self, request: ClaimRequest) -> Verification:
        if self._closed:
            raise RuntimeError("the verifier has shut down")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Verification] = loop.create_future()
        self._pending += 1
        try:
            self._queue.put(_Job(request, future, loop))
            return await future
        finally:
            self._pending -= 1

    def close(self) -> None:
        """Finish the requests already queued, then stop the worker."""
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            stopping = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._run(batch)
            if stopping:
                return

    def _run(self, batch: list[_Job]) -> None:
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        if self._on_batch is not None:
            self._on_batch(len(batch))
        try:
            results = self._verify_many([job.request for job in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].resolve(exc)
                return
            # One bad request must not fail the others that happened to share its batch.
            log.warning("batch of %d failed (%s); retrying one by one", len(batch), exc)
            for job in batch:
                self._run([job])
            return
        for job, result in zip(batch, results, strict=True):
            job.resolve(result)
