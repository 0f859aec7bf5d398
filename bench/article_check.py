"""A 1,000-word draft checked end to end over HTTP: POST /v1/articles/check against a real
uvicorn server over loopback, with the configured models (FACTDESK_STANCE_PROFILE picks the
judge).

`python -m bench.article_check [--url URL] [--requests N] [--words N] [--draft FILE]`:
without --url it starts `factdesk serve` with a throwaway audit database, auth off and the
answer cache off (the same draft repeats; with the cache on every repeat would be a hit).
The default draft is the first 1,000 words of one of the sample corpus's articles (an
analyst's piece: headings, questions and claims mixed as in a real draft). Beside the
draft's figures it prints, from the same server, single-claim POST /v1/verify latency over
the draft's own check-worthy sentences, so the ratio says what checking them together
saves. Every answer's spans are checked against the submitted text. A measurement, not a
test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.server import REPO_ROOT, Server
from evaluation.claims_eval import percentile
from factdesk.core.settings import Settings
from factdesk.wiring import load_article_reader, load_embedder

DEFAULT_DRAFT = REPO_ROOT / "factdesk" / "corpus" / "sample" / "pism-spotlight-34-2024.txt"


def first_words(text: str, words: int) -> str:
    """``text`` up to the end of the sentence where its ``words``-th word falls."""
    count, position = 0, 0
    for position, character in enumerate(text):
        if character.isspace() and position and not text[position - 1].isspace():
            count += 1
        if count >= words and character in ".!?":
            return text[: position + 1]
    return text


def spans_exact(draft: str, body: dict[str, Any]) -> bool:
    return all(draft[s["start"] : s["end"]] == s["text"] for s in body["sentences"])


def measure(url: str, draft: str, requests: int) -> tuple[list[float], dict[str, Any]]:
    samples: list[float] = []
    body: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=300) as client:
        for n in range(requests + 1):  # the first warms the models up
            started = time.perf_counter()
            response = client.post("/v1/articles/check", json={"text": draft})
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            body = response.json()
            if not spans_exact(draft, body):
                raise AssertionError("a sentence's span does not slice the submitted text")
            if n:
                samples.append(elapsed)
    return samples, body


def one_by_one(url: str, claims: list[str]) -> list[float]:
    samples: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for claim in claims:
            started = time.perf_counter()
            client.post("/v1/verify", json={"claim": claim}).raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def scoring_ms_per_sentence(draft: str, repeats: int = 5) -> float:
    """Reading the draft into scored sentences in this process (segmentation, embedding and
    the check-worthiness head): the median over ``repeats`` runs, per sentence."""
    settings = Settings()
    reader = load_article_reader(settings, load_embedder(settings))
    sentences = len(reader.sentences(draft))  # the first run warms the model up
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        reader.sentences(draft)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs) / sentences


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--draft", type=Path, default=DEFAULT_DRAFT)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    draft = first_words(args.draft.read_text(encoding="utf-8"), args.words)
    server: Server | None = None
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url
        if url is None:
            env = {
                "FACTDESK_DATABASE_URL": f"sqlite:///{scratch}/bench.db",
                "FACTDESK_AUTH": "off",
                "FACTDESK_ANSWER_CACHE_SIZE": "0",
            }
            server = Server(env, Path(scratch) / "server.log")
            server.start()
            url = server.url
        try:
            samples, body = measure(url, draft, args.requests)
            claims = [s["text"] for s in body["sentences"] if s["answer"]]
            singles = one_by_one(url, claims)
        finally:
            if server is not None:
                server.stop()
    summary = body["summary"]
    p50 = percentile(samples, 50)
    per_sentence = scoring_ms_per_sentence(draft)
    print(
        f"POST /v1/articles/check, 1 client, {len(samples)} requests of one draft "
        f"({len(draft.split())} words, {summary['sentences']} sentences, "
        f"{summary['check_worthy']} check-worthy, {args.draft.name}); answer cache off ({url})"
    )
    print(
        f"latency ms: p50 {p50:.1f}  p95 {percentile(samples, 95):.1f}  "
        f"mean {statistics.fmean(samples):.1f}  max {max(samples):.1f}; every span exact"
    )
    single = statistics.fmean(singles)
    print(
        f"same sentences one POST /v1/verify each: mean {single:.1f} ms, sum "
        f"{sum(singles):.1f} ms; draft p50 / sum of singles: {p50 / sum(singles):.2f}"
    )
    print(f"check-worthiness scoring (segmentation, model) in-process: {per_sentence:.2f} ms "
          "per sentence")  # fmt: skip
    print(
        "verdicts: " + json.dumps(summary["verdicts"]) + f"; needs review {summary['needs_review']}"
    )
    print(f"repository: {REPO_ROOT}")
    if args.json:
        figures = {
            "draft": args.draft.name, "words": len(draft.split()), "requests": len(samples),
            "summary": summary, "latency_ms": {"p50": p50, "p95": percentile(samples, 95),
            "mean": statistics.fmean(samples), "max": max(samples)},
            "singles_ms": {"mean": single, "sum": sum(singles)},
            "scoring_ms_per_sentence": per_sentence,
            "profile": os.environ.get("FACTDESK_STANCE_PROFILE", "fast"),
        }  # fmt: skip
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
