"""Latency and throughput of factdesk and of the plain baseline at 1, 4 and 16 HTTP clients.

`python -m bench.concurrency [--clients 1 4 16] [--requests N] [--claims FILE] [--json OUT]`

Both servers run as real uvicorn processes on loopback over the same index and models
(the baseline is bench/baseline.py). Each client count sends the same claims; a claim's
verdict must not depend on how many clients were sending, which is checked and printed.
Prints percentiles, requests/s and factdesk/baseline throughput ratios from this one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.server import Server
from evaluation.claims import read_claims
from evaluation.claims_eval import percentile
from factdesk.core.settings import Settings


@dataclass
class Round:
    server: str
    clients: int
    latencies_ms: list[float]
    wall_s: float
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s

    def summary(self) -> dict[str, float | int | str]:
        return {
            "server": self.server,
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1),
            "requests_per_s": round(self.throughput, 2),
        }


def run_round(url: str, server: str, claims: list[str], clients: int, requests: int) -> Round:
    work: Iterator[str] = iter([claims[i % len(claims)] for i in range(requests)])
    lock = threading.Lock()
    result = Round(server, clients, [], 0.0)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while True:
                with lock:
                    claim = next(work, None)
                if claim is None:
                    return
                started = time.perf_counter()
                response = http.post("/v1/verify", json={"claim": claim})
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                with lock:
                    result.latencies_ms.append(elapsed)
                    result.verdicts[claim] = response.json()["verdict"]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    result.wall_s = time.perf_counter() - started
    return result


def bench_server(
    name: str, command: list[str] | None, env: dict[str, str], args: argparse.Namespace
) -> list[Round]:
    claims = [c.claim for c in read_claims(args.claims)]
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(
            # Auth off: the bench measures verification, not key lookups or rate limits.
            {
                "FACTDESK_DATABASE_URL": f"sqlite:///{scratch}/bench.db",
                "FACTDESK_AUTH": "off",
                **env,
            },
            Path(scratch) / "server.log",
            command,
        )
        server.start()
        try:
            run_round(server.url, name, claims, 1, min(len(claims), 10))  # warm-up
            rounds = []
            for clients in args.clients:
                requests = max(args.requests, clients * 4)
                rounds.append(run_round(server.url, name, claims, clients, requests))
                print(json.dumps(rounds[-1].summary()), flush=True)
            return rounds
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=96, help="Per client count.")
    parser.add_argument("--claims", type=Path, help="Default: <shared_dir>/claims/dev.jsonl.")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    args.claims = args.claims or Settings().tooling.shared_dir / "claims" / "dev.jsonl"

    # The cache would answer repeated claims for free; these figures are for fresh claims.
    rounds = bench_server("factdesk", None, {"FACTDESK_ANSWER_CACHE_SIZE": "0"}, args)
    if not args.skip_baseline:
        rounds += bench_server("baseline", [sys.executable, "-m", "bench.baseline"], {}, args)

    def of(server: str, clients: int) -> Round | None:
        return next((r for r in rounds if r.server == server and r.clients == clients), None)

    print("\nserver    clients  p50 ms  p95 ms  p99 ms  req/s")
    for r in rounds:
        s = r.summary()
        print(
            f"{r.server:<9} {r.clients:>7}  {s['p50_ms']:>6}  {s['p95_ms']:>6}  "
            f"{s['p99_ms']:>6}  {s['requests_per_s']:>5}"
        )
    ratios: dict[int, float] = {}
    for clients in args.clients:
        ours, theirs = of("factdesk", clients), of("baseline", clients)
        if ours and theirs:
            ratios[clients] = ours.throughput / theirs.throughput
            print(f"factdesk/baseline throughput at {clients} clients: {ratios[clients]:.2f}x")
    first = of("factdesk", args.clients[0])
    stable = all(
        r.verdicts == {c: v for c, v in first.verdicts.items() if c in r.verdicts}
        for r in rounds
        if r.server == "factdesk" and first is not None
    )
    print(f"factdesk verdicts identical at every client count: {stable}")
    ours_one, theirs_one = of("factdesk", 1), of("baseline", 1)
    agreement = None
    if ours_one and theirs_one:
        shared = set(ours_one.verdicts) & set(theirs_one.verdicts)
        agreement = sum(ours_one.verdicts[c] == theirs_one.verdicts[c] for c in shared) / len(
            shared
        )
        print(f"verdict agreement factdesk vs baseline: {agreement:.2f} over {len(shared)} claims")
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "rounds": [r.summary() for r in rounds],
                    "throughput_ratio": ratios,
                    "verdicts_stable_across_clients": stable,
                    "baseline_agreement": agreement,
                },
                indent=2,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
