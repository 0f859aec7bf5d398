"""Soak: N clients for M minutes against `factdesk serve`, with a SIGKILL and restart and a
database outage in the middle. Reports requests, errors, audit rows lost and RSS over time.

`python -m bench.soak [--clients 4] [--minutes 3] [--database postgresql|sqlite]`
starts the server (real models, auth on, a key made by `factdesk keys create`, the answer
cache off so every request runs the models) on a throwaway audit database. At a third of
the run the server is SIGKILLed and started again; at two thirds the database is out for
`--outage-s` seconds (PostgreSQL: connections refused and the server's own terminated;
SQLite: another process holds the write lock). Every 200 a client got is then looked up
again: a missing or different record is a lost row, and must be 0. `factdesk audit verify`
must pass. RSS is sampled every 2 s with the count of requests answered so far, so memory
growth per request can be read off. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.latency import DEFAULT_CLAIMS
from bench.server import REPO_ROOT, Server

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Soak:
    """Clients, the server they talk to (replaced on restart), and what they saw."""

    def __init__(self, env: dict[str, str], log: Path, key: str, clients: int) -> None:
        self.env, self.log, self.clients = env, log, clients
        self.headers = {"Authorization": f"Bearer {key}"}
        self.server = Server(env, log)
        self.answered: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()
        self.rss: list[dict[str, float]] = []
        self.stop = threading.Event()
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def client(self, worker: int) -> None:
        n = 0
        while not self.stop.is_set():
            claim = DEFAULT_CLAIMS[(worker + n) % len(DEFAULT_CLAIMS)]
            n += 1
            url = self.server.url  # the current server: it changes on restart
            try:
                if n % 10 == 0:
                    body = {"claims": [{"claim": claim}, {"claim": f"{claim} ({worker})"}]}
                    response = httpx.post(
                        url + "/v1/verify/batch", json=body, headers=self.headers, timeout=60
                    )
                    answers = [r["answer"] for r in response.json().get("results", [])]
                else:
                    response = httpx.post(
                        url + "/v1/verify", json={"claim": claim}, headers=self.headers, timeout=60
                    )
                    answers = [response.json()] if response.status_code == 200 else []
            except (httpx.HTTPError, ValueError) as exc:
                self.count(type(exc).__name__)
                time.sleep(0.2)  # the server is down or restarting
                continue
            self.count(str(response.status_code))
            with self._lock:
                self.answered.extend(a for a in answers if a)
            if response.status_code >= 500:
                time.sleep(0.2)

    def count(self, outcome: str) -> None:
        with self._lock:
            self.outcomes[outcome] += 1

    def sample_rss(self) -> None:
        while not self.stop.wait(2.0):
            process = self.server.process
            mib = rss_mib(process.pid) if process is not None else None
            if mib is not None:
                with self._lock:
                    answered = len(self.answered)
                self.rss.append(
                    {"t_s": round(time.monotonic() - self.started, 1), "rss_mib": round(mib, 1),
                     "answered": answered}
                )  # fmt: skip

    def restart(self) -> None:
        self.server.kill()
        self.server = Server(self.env, self.log)
        self.server.start()


@contextmanager
def postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"factdesk_soak_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def outage(database_url: str, seconds: float) -> None:
    """The audit database unavailable for ``seconds``."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.split("///", 1)[1], timeout=30)
        holder.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        holder.rollback()
        holder.close()
        return
    name = make_url(database_url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        time.sleep(seconds)
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    admin.dispose()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "factdesk.cli", *args],
        cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False,
    )  # fmt: skip


def lost_rows(soak: Soak) -> int:
    lost = 0
    with httpx.Client(base_url=soak.server.url, headers=soak.headers, timeout=60) as http:
        for answer in soak.answered:
            record = http.get(f"/v1/queries/{answer['id']}")
            if record.status_code != 200 or record.json()["response"] != answer:
                lost += 1
    return lost


def run(args: argparse.Namespace, database_url: str, scratch: Path) -> dict[str, Any]:
    env = {
        "FACTDESK_DATABASE_URL": database_url,
        "FACTDESK_ANSWER_CACHE_SIZE": "0",
        "FACTDESK_DEFAULT_RATE_LIMIT": "1000000/minute",
    }
    created = cli(env, "keys", "create", "--name", "soak", "--scopes", "admin")
    if created.returncode != 0:
        raise SystemExit(f"factdesk keys create failed: {created.stderr.strip()}")
    soak = Soak(env, scratch / "server.log", created.stdout.strip().splitlines()[-1], args.clients)
    soak.server.start()
    soak.started = time.monotonic()
    threads = [threading.Thread(target=soak.client, args=(i,)) for i in range(args.clients)]
    threads.append(threading.Thread(target=soak.sample_rss))
    for thread in threads:
        thread.start()
    total = args.minutes * 60
    events: list[dict[str, Any]] = []
    time.sleep(total / 3)
    print(f"[soak] {len(soak.answered)} answered; SIGKILL and restart", flush=True)
    began = time.monotonic()
    soak.restart()
    events.append({"event": "sigkill+restart", "t_s": round(began - soak.started, 1),
                   "restart_s": round(time.monotonic() - began, 1)})  # fmt: skip
    time.sleep(max(0.0, soak.started + 2 * total / 3 - time.monotonic()))
    print(f"[soak] {len(soak.answered)} answered; database out for {args.outage_s} s", flush=True)
    events.append({"event": "database outage", "t_s": round(time.monotonic() - soak.started, 1),
                   "seconds": args.outage_s})  # fmt: skip
    outage(database_url, args.outage_s)
    time.sleep(max(0.0, soak.started + total - time.monotonic()))
    soak.stop.set()
    for thread in threads:
        thread.join(timeout=120)
    ready = httpx.get(soak.server.url + "/readyz", timeout=10).status_code
    lost = lost_rows(soak)
    chain = cli(env, "audit", "verify")
    soak.server.stop()
    return {
        "clients": args.clients,
        "minutes": args.minutes,
        "database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
        "requests": sum(soak.outcomes.values()),
        "outcomes": dict(sorted(soak.outcomes.items())),
        "answers": len(soak.answered),
        "audit_rows_lost": lost,
        "ready_after": ready == 200,
        "audit_chain": chain.stdout.strip() or chain.stderr.strip(),
        "audit_chain_intact": chain.returncode == 0,
        "events": events,
        "rss": soak.rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--outage-s", type=float, default=10.0)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        if args.database == "sqlite":
            result = run(args, f"sqlite:///{scratch / 'soak.db'}", scratch)
        else:
            with postgres_database() as url:
                result = run(args, url, scratch)
    rss = result["rss"]
    first, last = (rss[0], rss[-1]) if rss else ({}, {})
    print(
        f"{result['requests']} requests from {args.clients} clients in {args.minutes:g} min "
        f"({result['database']}): {result['outcomes']}; {result['answers']} answers, "
        f"{result['audit_rows_lost']} audit rows lost; chain: {result['audit_chain']}"
    )
    if rss:
        print(
            f"RSS {first['rss_mib']:.0f} MiB at {first['answered']:.0f} answers → "
            f"{last['rss_mib']:.0f} MiB at {last['answered']:.0f} (peak "
            f"{max(r['rss_mib'] for r in rss):.0f})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
