"""The ``factdesk`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from factdesk.errors import FactdeskError
from factdesk.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _stance_train(args: argparse.Namespace, settings: Settings) -> int:
    from factdesk.model_refs import resolve_model_ref
    from verify.training.recipe import HyperParameters
    from verify.training.train import train

    defaults = HyperParameters()
    hp = HyperParameters(
        seed=args.seed if args.seed is not None else defaults.seed,
        epochs=args.epochs if args.epochs is not None else defaults.epochs,
        batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.learning_rate or defaults.learning_rate,
        checkpoint_every=args.checkpoint_every or defaults.checkpoint_every,
    )
    shared = settings.shared_dir
    train(
        out_dir=args.out,
        training_root=args.training_root or shared / "training",
        benchmarks_root=args.benchmarks_root or shared / "benchmarks",
        backbone=resolve_model_ref(args.backbone or settings.stance_backbone),
        hp=hp,
        threads=args.threads or settings.stance_threads,
        limit_per_source=args.limit_per_source,
        max_steps=args.max_steps,
    )
    return 0


def _stance_eval(args: argparse.Namespace, settings: Settings) -> int:
    from verify.stance_eval import run_stance_eval

    return run_stance_eval(args, settings)


def _stance_claim_pairs(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from index.corpus import load_corpus
    from verify.claim_pairs import claim_stance_pairs, read_claims

    rows = claim_stance_pairs(read_claims(args.claims), load_corpus(args.corpus))
    with args.out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} pairs to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factdesk", description="Claim verification service.")
    commands = parser.add_subparsers(dest="command", required=True)

    stance = commands.add_parser("stance", help="Train and evaluate the stance model.")
    stance_commands = stance.add_subparsers(dest="stance_command", required=True)

    train = stance_commands.add_parser("train", help="Train a stance model (resumable).")
    train.add_argument(
        "--out", type=Path, required=True, help="Run directory (resumes if present)."
    )
    train.add_argument("--backbone", help="Encoder to fine-tune (default: settings).")
    train.add_argument("--training-root", type=Path, help="Default: <shared_dir>/training.")
    train.add_argument("--benchmarks-root", type=Path, help="Default: <shared_dir>/benchmarks.")
    train.add_argument("--threads", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument("--epochs", type=float)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--checkpoint-every", type=int)
    train.add_argument("--limit-per-source", type=int, help="Smoke runs: rows per source.")
    train.add_argument("--max-steps", type=int, help="Smoke runs: stop after this many steps.")
    train.set_defaults(handler=_stance_train)

    evaluate = stance_commands.add_parser(
        "eval", help="Accuracy of a stance model on a JSONL file."
    )
    evaluate.add_argument("file", type=Path, help="JSONL rows {premise, hypothesis, label}.")
    evaluate.add_argument("--model", help="Model reference (default: settings).")
    evaluate.add_argument("--json", type=Path, dest="json_out", help="Also write figures here.")
    evaluate.add_argument("--limit", type=int, help="Only the first N rows.")
    evaluate.add_argument(
        "--no-checks",
        action="store_true",
        help="Model alone, without the explicit number/date/negation checks.",
    )
    evaluate.set_defaults(handler=_stance_eval)

    pairs = stance_commands.add_parser(
        "claim-pairs",
        help="Stance pairs (gold evidence sentence / unrelated sentence) from claims.",
    )
    pairs.add_argument("claims", type=Path, help="JSONL {id, claim, label, evidence[...]}.")
    pairs.add_argument("--corpus", type=Path, required=True, help="Corpus directory or JSONL.")
    pairs.add_argument("--out", type=Path, required=True)
    pairs.set_defaults(handler=_stance_claim_pairs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Settings())
    except FactdeskError as exc:
        print(f"factdesk: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
