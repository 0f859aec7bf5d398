"""``factdesk stance``: train, evaluate and document stance models."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from evaluation.card import adapter_card, card
from evaluation.claim_pairs import claim_stance_pairs
from evaluation.claims import read_claims
from evaluation.stance_eval import (
    MNLI_MISMATCHED,
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
from factdesk.wiring import corpus_path, load_stance, model_folder
from index.corpus import load_corpus
from training.adapter import PROGRESS_FILE, AdapterConfig, Predict, default_state_dir, grow
from training.data import DataMix
from training.recipe import RECIPES
from training.train import train
from verify.symmetric import reversed_pairs


def _train(args: argparse.Namespace, settings: Settings) -> int:
    recipe = RECIPES[args.recipe]
    if args.resume is not None:
        return _grow(args, settings)
    if args.out is None:
        raise InvalidInputError("pass --out RUN_DIR (a full fine-tune) or --resume ADAPTER_DIR")
    if recipe.needs_init and args.init is None:
        raise InvalidInputError(f"recipe {recipe.name!r} continues a model: pass --init MODEL_DIR")
    if recipe.needs_teacher and args.teacher is None:
        raise InvalidInputError(
            f"recipe {recipe.name!r} distils a larger model: pass --teacher MODEL_DIR (the "
            "accurate judge: factdesk/models/stance-mpnet-lora)"
        )
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
    finished = train(
        recipe=recipe.name,
        sources=recipe.sources,
        crossing_sources=recipe.crossing_sources,
        # A shipped model comes without its backbone's parts, an adapter without its
        # backbone: both are made whole first.
        init=Path(model_folder(settings, str(args.init))) if args.init else None,
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
        teacher=Path(model_folder(settings, str(args.teacher))) if args.teacher else None,
        teacher_source=args.teacher,
        init_source=args.init,
        minutes=args.minutes,
    )
    if finished is None:
        print(f"{args.out}: stopped before the end, saved; the same command continues it")
    return 0


def _grow(args: argparse.Namespace, settings: Settings) -> int:
    """One wall-clock-bounded run of the LoRA adapter in ``--resume`` (training/adapter.py)."""
    recipe = RECIPES[args.recipe]
    if recipe.needs_init or args.init is not None or args.teacher is not None:
        raise InvalidInputError(
            "--resume grows an adapter from its backbone: use a recipe that starts one "
            "(base, commercial-base, multilingual), without --init or --teacher"
        )
    if args.minutes is None and args.max_steps is None:
        raise InvalidInputError("--resume needs --minutes N (or --max-steps N for a smoke run)")
    shared = settings.tooling.shared_dir
    training_root = args.training_root or shared / "training"
    benchmarks_root = args.benchmarks_root or shared / "benchmarks"
    rows = read_eval_rows(benchmarks_root / MNLI_MISMATCHED, limit=args.eval_rows)

    def measure(predict: Predict) -> float:
        _, report = stance_report(rows, predict([row.pair for row in rows]))
        return report.accuracy

    hp = recipe.hyper_parameters
    config = AdapterConfig(
        learning_rate=args.learning_rate or AdapterConfig.learning_rate,
        batch_size=args.batch_size or AdapterConfig.batch_size,
    )
    backbone = args.backbone or settings.stance.accurate_backbone
    state_dir = args.state or default_state_dir(args.resume)
    result = grow(
        adapter_dir=args.resume,
        state_dir=state_dir,
        backbone=resolve_model_ref(backbone),
        recipe=recipe,
        mix=DataMix(list(recipe.sources), training_root, benchmarks_root, hp.seed),
        crossing=DataMix(list(recipe.crossing_sources), training_root, benchmarks_root, hp.seed),
        measure=measure,
        minutes=args.minutes if args.minutes is not None else float("inf"),
        threads=args.threads or settings.stance.threads,
        config=config,
        max_steps=args.max_steps,
        limit_per_source=args.limit_per_source,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    (args.resume / "README.md").write_text(adapter_card(args.resume), encoding="utf-8")
    print(
        f"step {result.steps} ({result.pairs_seen} pairs seen, {result.run_steps} this run, "
        f"stopped by {result.stopped_by}): MultiNLI-mm {result.figure:.4f} on the first "
        f"{len(rows)} rows; adapter {'written to' if result.committed else 'kept in'} "
        f"{args.resume}"
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
    if (args.model_dir / PROGRESS_FILE).exists():  # an adapter grown by --resume runs
        text = adapter_card(args.model_dir)
    elif args.benchmarks is None:
        raise InvalidInputError("a model's card needs --benchmarks FIGURES.json")
    else:
        text = card(args.model_dir, args.benchmarks, args.cost, args.notes)
    (args.model_dir / "README.md").write_text(text, encoding="utf-8")
    print(f"wrote {args.model_dir / 'README.md'}")
    return 0


def register(commands: Commands) -> None:
    stance = commands.add_parser("stance", help="Train and evaluate the stance model.")
    stance_commands = stance.add_subparsers(dest="stance_command", required=True)

    training = stance_commands.add_parser("train", help="Train a stance model (resumable).")
    training.add_argument(
        "--out", type=Path, help="Run directory of a full fine-tune (resumes if present)."
    )
    training.add_argument(
        "--resume",
        type=Path,
        metavar="ADAPTER_DIR",
        help="Grow a LoRA adapter on the accurate backbone instead: continue the adapter in "
        "this folder (a new one is started there), for --minutes; it is rewritten at the end "
        "of a run that beats it on MultiNLI-mm.",
    )
    training.add_argument(
        "--minutes",
        type=float,
        help="Stop after this long, saved: with --resume, measured too; a full fine-tune "
        "(--out) continues where it stopped when the same command runs again.",
    )
    training.add_argument(
        "--state",
        type=Path,
        help="With --resume: the newest weights and optimizer "
        "(default: ~/.cache/factdesk/adapters/<adapter folder name>); a run goes on without it.",
    )
    training.add_argument(
        "--eval-rows",
        type=int,
        default=500,
        help="With --resume: MultiNLI dev mismatched rows measured after the run (default 500).",
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
    model_card.add_argument(
        "--benchmarks", type=Path, help="Figures of a trained model (not of a grown adapter)."
    )
    model_card.add_argument("--cost", type=Path)
    model_card.add_argument("--notes", type=Path)
    model_card.set_defaults(handler=_card)
