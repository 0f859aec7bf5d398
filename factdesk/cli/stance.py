"""``factdesk stance``: train, evaluate and document stance models."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from evaluation.card import card
from evaluation.claim_pairs import claim_stance_pairs
from evaluation.claims import read_claims
from evaluation.stance_eval import (
    StanceEvalResult,
    predict_timed,
    read_eval_rows,
    stance_report,
    stance_variants,
)
from factdesk.cli._common import Commands
from factdesk.core.errors import InvalidInputError
from factdesk.core.files import write_jsonl
from factdesk.core.resources import resolve_model_ref
from factdesk.core.settings import Settings
from factdesk.wiring import corpus_path, load_stance
from index.corpus import load_corpus
from training.recipe import RECIPES
from training.train import train
from verify.symmetric import reversed_pairs


def _train(args: argparse.Namespace, settings: Settings) -> int:
    recipe = RECIPES[args.recipe]
    if recipe.needs_init and args.init is None:
        raise InvalidInputError(f"recipe {recipe.name!r} continues a model: pass --init MODEL_DIR")
    defaults = recipe.hyper_parameters
    hp = dataclasses.replace(
        defaults,
        seed=args.seed if args.seed is not None else defaults.seed,
        epochs=args.epochs if args.epochs is not None else defaults.epochs,
        batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.learning_rate or defaults.learning_rate,
        checkpoint_every=args.checkpoint_every or defaults.checkpoint_every,
        binary_rows=args.binary_rows or defaults.binary_rows,
        distill_weight=(args.distill_weight if args.teacher is not None else 0.0),
    )
    shared = settings.tooling.shared_dir
    backbone = args.backbone or settings.stance.backbone
    train(
        recipe=recipe.name,
        sources=recipe.sources,
        crossing_sources=recipe.crossing_sources,
        init=args.init,
        out_dir=args.out,
        training_root=args.training_root or shared / "training",
        benchmarks_root=args.benchmarks_root or shared / "benchmarks",
        backbone=resolve_model_ref(backbone),
        backbone_name=backbone,
        hp=hp,
        threads=args.threads or settings.stance.threads,
        limit_per_source=args.limit_per_source,
        max_steps=args.max_steps,
        device=args.device,
        teacher=args.teacher,
    )
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    """The model alone, with the checks and judged both ways, from one pass each way."""
    rows = read_eval_rows(args.file, limit=args.limit)
    pairs = [row.pair for row in rows]
    model = load_stance(settings, args.model)
    forward, speed = predict_timed(model, rows)
    reverse = None if args.forward_only else model.predict(reversed_pairs(pairs))
    results: dict[str, StanceEvalResult] = {}
    for name, probabilities in stance_variants(
        pairs, forward, reverse, checks=not args.no_checks
    ).items():
        mode, report = stance_report(rows, probabilities)
        results[name] = StanceEvalResult(mode, report, speed)
    for name, result in results.items():
        print(f"== {args.file} ({result.mode}): {name}")
        print(result.report.format())
        print()
    print(f"{speed:.1f} pairs/s (model alone, one direction)")
    if args.json_out:
        payload = {
            "file": str(args.file),
            "model": model.identity,
            **{name: result.as_dict() for name, result in results.items()},
        }
        args.json_out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


def _claim_pairs(args: argparse.Namespace, settings: Settings) -> int:
    corpus = args.corpus or corpus_path(settings)
    rows = claim_stance_pairs(read_claims(args.claims), load_corpus(corpus))
    count = write_jsonl(args.out, rows)
    print(f"wrote {count} pairs to {args.out}")
    return 0


def _card(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    text = card(args.model_dir, args.benchmarks, args.cost, args.notes)
    (args.model_dir / "README.md").write_text(text, encoding="utf-8")
    print(f"wrote {args.model_dir / 'README.md'}")
    return 0


def register(commands: Commands) -> None:
    stance = commands.add_parser("stance", help="Train and evaluate the stance model.")
    stance_commands = stance.add_subparsers(dest="stance_command", required=True)

    training = stance_commands.add_parser("train", help="Train a stance model (resumable).")
    training.add_argument(
        "--out", type=Path, required=True, help="Run directory (resumes if present)."
    )
    training.add_argument("--backbone", help="Encoder to fine-tune (default: settings).")
    training.add_argument(
        "--recipe",
        choices=list(RECIPES),
        default="base",
        help="Data mix and hyper-parameters (training/recipe.py); default: base.",
    )
    training.add_argument(
        "--init",
        type=Path,
        help="Stance model to continue (required by "
        + ", ".join(f"--recipe {r.name}" for r in RECIPES.values() if r.needs_init)
        + ").",
    )
    training.add_argument("--training-root", type=Path, help="Default: <shared_dir>/training.")
    training.add_argument("--benchmarks-root", type=Path, help="Default: <shared_dir>/benchmarks.")
    training.add_argument("--threads", type=int)
    training.add_argument("--seed", type=int)
    training.add_argument("--epochs", type=float)
    training.add_argument("--batch-size", type=int)
    training.add_argument("--learning-rate", type=float)
    training.add_argument("--checkpoint-every", type=int)
    training.add_argument(
        "--binary-rows",
        choices=["marginal", "drop"],
        help="How entailment/not_entailment rows are used (default: marginal).",
    )
    training.add_argument("--limit-per-source", type=int, help="Smoke runs: rows per source.")
    training.add_argument("--max-steps", type=int, help="Smoke runs: stop after this many steps.")
    training.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="auto: a CUDA GPU when PyTorch sees one, else the CPU.",
    )
    training.add_argument(
        "--teacher",
        type=Path,
        help="A larger stance model to distil from (trained here, same labels); its data "
        "mix, and so its licence terms, are recorded with the student's.",
    )
    training.add_argument(
        "--distill-weight",
        type=float,
        default=0.5,
        help="With --teacher: the share of the loss taken from the teacher (default 0.5).",
    )
    training.set_defaults(handler=_train)

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
        help="Model alone, without the explicit number, date and polarity checks.",
    )
    evaluate.add_argument(
        "--forward-only",
        action="store_true",
        help="Only the evidence-as-premise direction (half the work; no 'both directions').",
    )
    evaluate.set_defaults(handler=_eval)

    pairs = stance_commands.add_parser(
        "claim-pairs",
        help="Stance pairs (gold evidence sentence / unrelated sentence) from claims.",
    )
    pairs.add_argument("claims", type=Path, help="JSONL {id, claim, label, evidence[...]}.")
    pairs.add_argument("--corpus", type=Path, help="Corpus directory or JSONL (default: settings).")
    pairs.add_argument("--out", type=Path, required=True)
    pairs.set_defaults(handler=_claim_pairs)

    model_card = stance_commands.add_parser(
        "card", help="Write a model's README.md from its training.json and benchmark figures."
    )
    model_card.add_argument("model_dir", type=Path)
    model_card.add_argument("--benchmarks", type=Path, required=True)
    model_card.add_argument("--cost", type=Path)
    model_card.add_argument("--notes", type=Path)
    model_card.set_defaults(handler=_card)
