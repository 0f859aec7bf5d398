"""CPU cost of the stance model: ms per claim/passage pair, batches of 8 pairs of ~60 words.

Prints figures, not pass/fail:
`python -m bench.stance_cost [--model REF] [--rounds N] [--json OUT]`.
Also prints the same pairs scored one at a time, as a baseline measured in the same run,
and the same model with int8 dynamic quantisation (FACTDESK_STANCE_PRECISION=int8).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path

from factdesk.core.resources import resolve_path
from factdesk.core.settings import Settings
from factdesk.wiring import stance_config
from index.corpus import load_corpus
from index.embedding import native_bf16
from index.segment import split_sentences
from verify.stance_model import (
    StanceModel,
    StancePair,
    load_stance_model,
    resolve_precision,
)


def sixty_word_passages(count: int) -> list[str]:
    settings = Settings()
    documents = load_corpus(resolve_path(settings.index.corpus_dir))
    passages: list[str] = []
    for document in documents:
        words: list[str] = []
        for span in split_sentences(document.text):
            words.extend(document.text[span.start : span.end].split())
            if len(words) >= 60:
                passages.append(" ".join(words[:60]))
                words = []
            if len(passages) == count:
                return passages
    return passages


def per_pair_ms(model: StanceModel, pairs: list[StancePair], batch: int, rounds: int) -> float:
    """Median over rounds of the wall time per pair, scoring ``pairs`` ``batch`` at a time."""
    for _ in range(3):
        model.predict(pairs[:batch])
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for start in range(0, len(pairs), batch):
            model.predict(pairs[start : start + batch])
        samples.append((time.perf_counter() - started) * 1000 / len(pairs))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    config = stance_config(settings, args.model, batch_size=8)
    claim = "Russia's trade with China reached a record 240 billion dollars last year."
    pairs = [StancePair(p, claim) for p in sixty_word_passages(8)]
    assert len(pairs) == 8, "sample corpus too small for 8 passages"
    figures: dict[str, float] = {}
    # Emulated bf16 is an order of magnitude slower: measured only where the CPU has it.
    precisions = ("fp32", "bf16", "int8") if native_bf16() else ("fp32", "int8")
    for precision in precisions:
        model = load_stance_model(dataclasses.replace(config, precision=precision))
        figures[f"{precision}_batch8_ms_per_pair"] = per_pair_ms(model, pairs, 8, args.rounds)
        figures[f"{precision}_single_ms_per_pair"] = per_pair_ms(model, pairs, 1, args.rounds)
    print(f"model: {config.reference}  threads: {settings.stance.threads}")
    print(f"pairs: 8 x ~60-word passage + claim, {args.rounds} rounds, median ms per pair")
    for precision in precisions:
        batched = figures[f"{precision}_batch8_ms_per_pair"]
        single = figures[f"{precision}_single_ms_per_pair"]
        print(
            f"{precision}: batch of 8: p50 {batched:6.2f} ms/pair   one at a time: {single:6.2f} "
            f"ms/pair   batching speed-up {single / batched:.2f}x"
        )
    for precision in precisions[1:]:
        speed_up = figures["fp32_batch8_ms_per_pair"] / figures[f"{precision}_batch8_ms_per_pair"]
        print(f"{precision} vs fp32 at batch 8: {speed_up:.2f}x")
    print(f"default (auto) on this CPU: {resolve_precision('auto')}")
    if args.json_out:
        figures = {k: round(v, 3) for k, v in figures.items()}
        args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
