"""CPU cost of the stance model: ms per claim/passage pair, batches of 8 pairs of ~60 words.

Prints figures, not pass/fail: `python -m bench.stance_cost [--model REF] [--rounds N]`.
Also prints the same pairs scored one at a time, as a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from factdesk.settings import Settings
from index.corpus import load_corpus
from index.segment import split_sentences
from verify.stance_model import StancePair, load_stance_model, stance_config


def sixty_word_passages(count: int) -> list[str]:
    settings = Settings()
    documents = load_corpus(settings.corpus_dir)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    settings = Settings()
    model = load_stance_model(stance_config(settings, args.model, batch_size=8))
    claim = "Russia's trade with China reached a record 240 billion dollars last year."
    pairs = [StancePair(p, claim) for p in sixty_word_passages(8)]
    assert len(pairs) == 8, "sample corpus too small for 8 passages"
    for _ in range(3):
        model.predict(pairs)

    def per_pair_ms(batch: int) -> list[float]:
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            for start in range(0, len(pairs), batch):
                model.predict(pairs[start : start + batch])
            samples.append((time.perf_counter() - started) * 1000 / len(pairs))
        return samples

    batched = per_pair_ms(8)
    single = per_pair_ms(1)
    print(f"model: {model.identity['name']}  threads: {settings.stance_threads}")
    print(f"pairs: 8 x ~60-word passage + claim, {args.rounds} rounds")
    for name, samples in (("batch of 8", batched), ("one at a time", single)):
        print(
            f"{name:>14}: p50 {statistics.median(samples):6.2f} ms/pair"
            f"  mean {statistics.fmean(samples):6.2f}  max {max(samples):6.2f}"
        )
    print(f"batching speed-up: {statistics.median(single) / statistics.median(batched):.2f}x")


if __name__ == "__main__":
    main()
