"""Abstention on input that is not a checkable claim about the corpus.

Prints figures, not pass/fail: `python -m bench.abstention [--json OUT]`.

Three groups, each answered by the configured in-process pipeline on the sample corpus:
* random strings (seeded): keyboard mashes, digits and punctuation, emoji, mixed scripts;
* word salad: random sequences of the corpus's own words (on-topic nonsense);
* off-topic claims (bench/data/off_topic_claims.txt): fluent claims about other subjects.
A good answer is NOT_ENOUGH_INFO, or a 422 (``NotAClaimError``) for text with no words. The
same inputs are answered with the topic gate off (FACTDESK_STANCE_TOPIC_GATE=false) as the
baseline, in the same process.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from factdesk.core.settings import Settings
from factdesk.wiring import Pipeline, build_verifier, load_pipeline
from verify.claim_text import NotAClaimError
from verify.verdict import Verdict
from verify.verifier import Verifier

OFF_TOPIC = Path(__file__).with_name("data") / "off_topic_claims.txt"
SEED = 20261201
_EMOJI = "😀😂🤔🔥🎉👍🚀🌍🍕⚽"
_SCRIPTS = (
    "абвгдежзийклмнопрстуфхцчшщэюя" + "的一是不了人我在有他这中大来上" + "αβγδεζηθικλμνξοπρστυφχψω"
)


def _mash(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9)))
        for _ in range(rng.randint(1, 6))
    ]
    return " ".join(words)


def _symbols(rng: random.Random) -> str:
    return "".join(rng.choice(string.digits + string.punctuation + " ") for _ in range(12))


def _emoji(rng: random.Random) -> str:
    return "".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 5)))


def _mixed(rng: random.Random) -> str:
    return " ".join(
        "".join(rng.choice(_SCRIPTS) for _ in range(rng.randint(2, 6)))
        for _ in range(rng.randint(1, 4))
    )


def random_strings(count: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    makers: Sequence[Callable[[random.Random], str]] = (_mash, _symbols, _emoji, _mixed)
    return [makers[i % len(makers)](rng) for i in range(count)]


def word_salad(vocabulary: Sequence[str], count: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed + 1)
    return [" ".join(rng.sample(vocabulary, rng.randint(3, 8))) for _ in range(count)]


def off_topic_claims(path: Path = OFF_TOPIC) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def corpus_vocabulary(pipeline: Pipeline) -> list[str]:
    words: set[str] = set()
    for document in pipeline.index.documents.values():
        words.update(re.findall(r"[A-Za-z]{4,}", document.text))
    return sorted(words)


def outcomes(verifier: Verifier, texts: Sequence[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        try:
            counts[verifier.verify(text).verdict.value] += 1
        except NotAClaimError:
            counts["422"] += 1
    return counts


def abstained(counts: Counter[str]) -> float:
    total = sum(counts.values())
    return (counts[Verdict.NOT_ENOUGH_INFO.value] + counts["422"]) / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="Random strings and word salads.")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    pipeline = load_pipeline(settings, answer_cache=False)
    ungated_settings = settings.model_copy(
        update={"stance": settings.stance.model_copy(update={"topic_gate": False})}
    )
    ungated = build_verifier(
        ungated_settings,
        pipeline.embedder,
        pipeline.index,
        pipeline.verifier.judges,
        answer_cache=False,
    )
    groups = {
        "random strings": random_strings(args.count),
        "word salad (corpus words)": word_salad(corpus_vocabulary(pipeline), args.count),
        "off-topic claims": off_topic_claims(),
    }
    figures: dict[str, dict[str, object]] = {}
    print("| input | n | NOT_ENOUGH_INFO or 422 | answers | topic gate off (baseline) |")
    print("|---|---|---|---|---|")
    for name, texts in groups.items():
        gated, baseline = outcomes(pipeline.verifier, texts), outcomes(ungated, texts)
        figures[name] = {
            "n": len(texts),
            "abstained": abstained(gated),
            "answers": dict(gated),
            "baseline_abstained": abstained(baseline),
            "baseline_answers": dict(baseline),
        }
        print(
            f"| {name} | {len(texts)} | {abstained(gated):.3f} | {dict(sorted(gated.items()))} "
            f"| {abstained(baseline):.3f} {dict(sorted(baseline.items()))} |"
        )
    everything: Counter[str] = Counter()
    for texts in groups.values():
        everything.update(outcomes(pipeline.verifier, texts))
    print(f"all {sum(everything.values())} inputs: {abstained(everything):.3f} abstained")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
