"""The multilingual judge across languages: XNLI test with the English premise against the
hypothesis in Russian, Chinese, German and French (a claim in one language against English
evidence, as the service serves it), and the monolingual Chinese and German sets it had.

`python -m bench.xnli_cross [--model REF] [--baseline REF] [--limit 2000] [--json OUT]`
judges each set one way (premise -> hypothesis, as the multilingual judge is served) with
the configured multilingual judge, and the baseline model in the same process when given.
XNLI test is read here only: no recipe trains on it (training/recipe.py reads XNLI dev).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from evaluation.stance_eval import EvalRow, read_eval_rows, stance_report
from factdesk.core.files import read_jsonl
from factdesk.core.settings import SHIPPED_MULTILINGUAL_STANCE_MODEL, Settings
from factdesk.wiring import load_stance
from training.recipe import CROSS_LINGUAL_LANGUAGES
from verify.labels import parse_gold_label
from verify.stance_model import StancePair

XNLI_TEST = "benchmarks/xnli/xnli_parallel_test_NONCOMMERCIAL.jsonl"
TARGET_CROSS = 0.70  # issue 32: each language
# The monolingual sets of the first multilingual run (its card), to be kept or bettered.
MONOLINGUAL = {
    "OCNLI dev (Chinese)": "training/multilingual/ocnli_dev_NONCOMMERCIAL.jsonl",
    "XNLI German test": "training/multilingual/xnli_de_test_NONCOMMERCIAL.jsonl",
}


def cross_lingual_rows(path: Path, language: str, limit: int) -> list[EvalRow]:
    """The first ``limit`` pairs: English premise, hypothesis in ``language``."""
    rows: list[EvalRow] = []
    for _, row in read_jsonl(path):
        pair = StancePair(evidence=row["premise"]["en"], claim=row["hypothesis"][language])
        rows.append(EvalRow(pair, parse_gold_label(str(row["label"]))))
        if len(rows) >= limit:
            break
    return rows


def benchmark_sets(shared: Path, limit: int) -> dict[str, list[EvalRow]]:
    sets = {
        f"XNLI test, English premise, {language} hypothesis": cross_lingual_rows(
            shared / XNLI_TEST, language, limit
        )
        for language in CROSS_LINGUAL_LANGUAGES
    }
    sets["XNLI test, English premise and hypothesis"] = cross_lingual_rows(
        shared / XNLI_TEST, "en", limit
    )
    for name, relative in MONOLINGUAL.items():
        sets[name] = read_eval_rows(shared / relative, limit=limit)
    return sets


def judged(reference: str, settings: Settings, sets: dict[str, list[EvalRow]]) -> dict[str, Any]:
    model = load_stance(settings, reference)
    figures: dict[str, Any] = {"model": model.identity, "sets": {}}
    for name, rows in sets.items():
        started = time.perf_counter()
        probabilities = model.predict([row.pair for row in rows])
        seconds = time.perf_counter() - started
        _, report = stance_report(rows, probabilities)
        figures["sets"][name] = {
            "rows": len(rows),
            "accuracy": round(report.accuracy, 4),
            "macro_f1": round(report.macro_f1, 4),
            "pairs_per_second": round(len(rows) / seconds, 1),
        }
        print(f"{reference}: {name}: {report.accuracy:.4f} ({len(rows)} rows)", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="Default: the configured multilingual judge.")
    parser.add_argument("--baseline", help="Another model, measured in the same process.")
    parser.add_argument("--limit", type=int, default=2000, help="Pairs per set.")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    model = args.model or settings.stance.multilingual_model or SHIPPED_MULTILINGUAL_STANCE_MODEL
    sets = benchmark_sets(settings.tooling.shared_dir, args.limit)
    results: dict[str, Any] = {
        "model": judged(model, settings, sets),
        "target_cross": TARGET_CROSS,
    }
    if args.baseline:
        results["baseline"] = judged(args.baseline, settings, sets)
    print("\n| set | rows | model | " + ("baseline |" if args.baseline else ""))
    print("|---|---|---|" + ("---|" if args.baseline else ""))
    for name, figures in results["model"]["sets"].items():
        cells = [f"{figures['accuracy']:.4f}"]
        if args.baseline:
            cells.append(f"{results['baseline']['sets'][name]['accuracy']:.4f}")
        print(f"| {name} | {figures['rows']} | " + " | ".join(cells) + " |")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
