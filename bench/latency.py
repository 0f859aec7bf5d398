"""Single-client latency of POST /v1/verify against a real uvicorn server over loopback.

`python -m bench.latency [--url URL] [--requests N] [--claims FILE]`: without --url it starts
`factdesk serve` (current settings) on a free port with a throwaway audit database and, unless
`--cached`, the answer cache off: the claims repeat, so with the cache on every request after
the first few is a cache hit and the figures say nothing about verification. Prints
percentiles; it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.server import REPO_ROOT, Server
from evaluation.claims_eval import percentile

DEFAULT_CLAIMS = [
    "Power of Siberia 2 was agreed.",
    "Putin and Xi signed a joint statement in Beijing.",
    "Russia's trade with China rose 60 percent compared with before the war.",
    "Xi attended the China-Russia Expo in Harbin together with Putin.",
    "Putin visited a car factory in Harbin.",
    "The joint statement praised NATO and AUKUS.",
]


def load_claims(path: Path | None) -> list[str]:
    if path is None:
        return DEFAULT_CLAIMS
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["claim"] for line in handle if line.strip()]


def measure(url: str, claims: list[str], requests: int, warmup: int) -> list[float]:
    samples: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for n in range(warmup + requests):
            started = time.perf_counter()
            response = client.post("/v1/verify", json={"claim": claims[n % len(claims)]})
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if n >= warmup:
                samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--claims", type=Path)
    parser.add_argument(
        "--cached", action="store_true", help="Keep the answer cache on (repeats are hits)."
    )
    args = parser.parse_args()
    claims = load_claims(args.claims)
    server: Server | None = None
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url
        if url is None:
            # Auth off: the bench measures verification, not key lookups or rate limits.
            env = {"FACTDESK_DATABASE_URL": f"sqlite:///{scratch}/bench.db", "FACTDESK_AUTH": "off"}
            if not args.cached:
                env["FACTDESK_ANSWER_CACHE_SIZE"] = "0"
            server = Server(env, Path(scratch) / "server.log")
            server.start()
            url = server.url
        try:
            samples = measure(url, claims, args.requests, args.warmup)
        finally:
            if server is not None:
                server.stop()
    total_s = sum(samples) / 1000
    cache = "a server of --url" if args.url else ("on" if args.cached else "off")
    print(
        f"POST /v1/verify, 1 client, {len(samples)} requests over {len(claims)} claims ({url}); "
        f"answer cache: {cache}"
    )
    print(
        f"latency ms: p50 {percentile(samples, 50):.1f}  p95 {percentile(samples, 95):.1f}  "
        f"p99 {percentile(samples, 99):.1f}  mean {statistics.fmean(samples):.1f}  "
        f"max {max(samples):.1f}"
    )
    print(f"throughput: {len(samples) / total_s:.1f} requests/s (sequential)")
    print(f"repository: {REPO_ROOT}")


if __name__ == "__main__":
    main()
