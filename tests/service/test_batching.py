import asyncio
import threading
from collections.abc import Sequence

import pytest

from service.verification.batching import VerifyBatcher
from tests.fakes import fake_manifest
from verify.verdict import Reason, Verdict
from verify.verifier import ClaimRequest, VerdictReason, Verification


class SlowVerifier:
    """Blocks its first batch until released, so that later requests pile up behind it."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.batches: list[list[str]] = []

    def verify_many(self, requests: Sequence[ClaimRequest]) -> list[Verification]:
        self.batches.append([r.claim for r in requests])
        if len(self.batches) == 1:
            self.release.wait(timeout=10)
        if any(r.claim == "boom" for r in requests):
            raise RuntimeError("model failure")
        return [
            Verification(
                r.claim, Verdict.SUPPORTED, float(r.top_k), (), 1.0, (), REASON, None, MANIFEST
            )
            for r in requests
        ]


MANIFEST = fake_manifest()
REASON = VerdictReason(Reason.SUPPORTED_BY_EVIDENCE, "decided by evidence in d1")


async def _gather(batcher: VerifyBatcher, claims: list[str]) -> list[object]:
    first = asyncio.ensure_future(batcher.verify(ClaimRequest("first", 1)))
    await asyncio.sleep(0.05)  # the worker is now busy with "first"
    rest = [asyncio.ensure_future(batcher.verify(ClaimRequest(c, i))) for i, c in enumerate(claims)]
    await asyncio.sleep(0.05)
    return await asyncio.gather(first, *rest, return_exceptions=True)


def test_requests_waiting_together_are_verified_in_one_batch() -> None:
    fake = SlowVerifier()
    batcher = VerifyBatcher(fake.verify_many, max_batch=3)

    async def scenario() -> list[object]:
        task = asyncio.ensure_future(_gather(batcher, ["a", "b", "c", "d"]))
        await asyncio.sleep(0.15)
        fake.release.set()
        return await task

    results = asyncio.run(scenario())
    batcher.close()
    assert fake.batches == [["first"], ["a", "b", "c"], ["d"]]
    assert [r.claim for r in results] == ["first", "a", "b", "c", "d"]  # type: ignore[attr-defined]
    assert [r.confidence for r in results] == [1.0, 0.0, 1.0, 2.0, 3.0]  # type: ignore[attr-defined]
    assert batcher.largest_batch == 3


def test_a_failing_request_does_not_fail_its_batch_mates() -> None:
    fake = SlowVerifier()
    fake.release.set()
    batcher = VerifyBatcher(fake.verify_many, max_batch=8)

    async def scenario() -> list[object]:
        return await _gather(batcher, ["a", "boom", "b"])

    results = asyncio.run(scenario())
    batcher.close()
    assert isinstance(results[2], RuntimeError)
    assert [getattr(r, "claim", None) for r in results] == ["first", "a", None, "b"]


def test_close_finishes_what_is_queued() -> None:
    fake = SlowVerifier()
    fake.release.set()
    batcher = VerifyBatcher(fake.verify_many, max_batch=2)

    async def scenario() -> Verification:
        return await batcher.verify(ClaimRequest("x", 5))

    assert asyncio.run(scenario()).confidence == 5.0
    batcher.close()
    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(asyncio.wait_for(batcher.verify(ClaimRequest("late", 1)), timeout=1))


def test_a_full_queue_refuses_more_work_at_once_with_retry_after() -> None:
    from factdesk.core.errors import BusyError

    slow = SlowVerifier()
    batcher = VerifyBatcher(slow.verify_many, max_batch=4, max_queued=2)

    async def scenario() -> None:
        waiting = [
            asyncio.ensure_future(batcher.verify(ClaimRequest(f"c{i}", 1))) for i in range(2)
        ]
        await asyncio.sleep(0.05)
        assert batcher.pending == 2
        with pytest.raises(BusyError) as refused:
            batcher.admit(1)
        assert refused.value.status == 503
        assert refused.value.headers["Retry-After"] == "1"
        batcher.admit(0)  # nothing more asked: fine
        slow.release.set()
        await asyncio.gather(*waiting)
        assert batcher.pending == 0
        batcher.admit(2)

    asyncio.run(scenario())
    batcher.close()
