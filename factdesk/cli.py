"""The ``factdesk`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factdesk.errors import FactdeskError
from factdesk.settings import Settings
from verify.training.recipe import RECIPES  # plain data: cheap enough for the parser

if TYPE_CHECKING:
    from verify.claim_pairs import LabelledClaim

Handler = Callable[[argparse.Namespace, Settings], int]


def _stance_train(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from factdesk.model_refs import resolve_model_ref
    from verify.training.train import train

    recipe = RECIPES[args.recipe]
    if recipe.needs_init and args.init is None:
        raise FactdeskError(f"recipe {recipe.name!r} continues a model: pass --init MODEL_DIR")
    defaults = recipe.hyper_parameters
    hp = dataclasses.replace(
        defaults,
        seed=args.seed if args.seed is not None else defaults.seed,
        epochs=args.epochs if args.epochs is not None else defaults.epochs,
        batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.learning_rate or defaults.learning_rate,
        checkpoint_every=args.checkpoint_every or defaults.checkpoint_every,
        binary_rows=args.binary_rows or defaults.binary_rows,
    )
    shared = settings.shared_dir
    train(
        recipe=recipe.name,
        sources=recipe.sources,
        crossing_sources=recipe.crossing_sources,
        init=args.init,
        out_dir=args.out,
        training_root=args.training_root or shared / "training",
        benchmarks_root=args.benchmarks_root or shared / "benchmarks",
        backbone=resolve_model_ref(args.backbone or settings.stance_backbone),
        backbone_name=args.backbone or settings.stance_backbone,
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


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import logging

    import uvicorn

    from service.app import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from factdesk.settings import resolve_path
    from index.corpus import load_corpus
    from index.embedding import load_embedder
    from index.store import build_index
    from service.components import index_spec

    corpus = args.corpus or resolve_path(settings.corpus_dir)
    out = args.out or resolve_path(settings.index_dir)
    documents = load_corpus(corpus)
    embedder = load_embedder(settings.embedding_model, settings.embedding_threads)
    manifest = build_index(documents, embedder, index_spec(settings), out)
    print(
        f"indexed {manifest.documents} documents as {manifest.count} passages "
        f"({manifest.index_type}, {manifest.dimension}-d, {manifest.embedding_model}) in {out}\n"
        f"checksum {manifest.checksum}"
    )
    return 0


def _local_verifier(settings: Settings) -> Callable[[str], dict[str, Any]]:
    """Verify in this process, returning the same body shape as POST /v1/verify."""
    from service.components import build_components
    from verify.claims_eval import as_answer

    components = build_components(settings)

    def verify(claim: str) -> dict[str, Any]:
        return as_answer(components.verifier.verify(claim))

    return verify


def _http_verifier(url: str) -> Callable[[str], dict[str, Any]]:
    import httpx

    client = httpx.Client(base_url=url.rstrip("/"), timeout=60)

    def verify(claim: str) -> dict[str, Any]:
        response = client.post("/v1/verify", json={"claim": claim})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return verify


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    import json

    answer = (_http_verifier(args.url) if args.url else _local_verifier(settings))(args.claim)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return 0
    print(f"{answer['verdict']}  (confidence {answer['confidence']:.2f})  {args.claim}")
    for citation in answer["citations"]:
        probabilities = citation["stance_probabilities"]
        print(
            f"\n  [{citation['stance']} {probabilities[citation['stance']]:.2f}] "
            f"{citation['document_id']} [{citation['start']}:{citation['end']}] "
            f'score {citation["score"]:.2f}\n    "{citation["text"]}"'
        )
    return 0


def _eval_claims(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from factdesk.settings import resolve_path
    from index.corpus import load_corpus
    from verify.claim_pairs import read_claims
    from verify.claims_eval import evaluate_claims

    claims = read_claims(args.file)
    documents = load_corpus(args.corpus or resolve_path(settings.corpus_dir))
    if args.fit:
        return _fit_verdict_rule(claims, settings)
    verify = _http_verifier(args.url) if args.url else _local_verifier(settings)
    result = evaluate_claims(claims, documents, verify)
    print(f"{args.file}: {len(claims)} claims" + (f" via {args.url}" if args.url else ""))
    print(result.format())
    if args.json_out:
        args.json_out.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    return 0


def _eval_scifact(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from factdesk.settings import resolve_path
    from index.embedding import load_embedder
    from index.store import build_index, load_index
    from service.components import index_spec, load_stance, make_verifier
    from verify.scifact import load_scifact_claims, load_scifact_corpus, run_scifact

    documents = load_scifact_corpus(args.directory / "corpus.jsonl")
    claims = load_scifact_claims(args.directory / f"claims_{args.split}.jsonl")
    embedder = load_embedder(settings.embedding_model, settings.embedding_threads)
    index_dir = args.index_dir or resolve_path(Path("var/index-scifact"))
    if not (index_dir / "manifest.json").exists():
        print(f"indexing {len(documents)} SciFact abstracts into {index_dir} ...", flush=True)
        build_index(documents, embedder, index_spec(settings), index_dir)
    index = load_index(index_dir, embedding_model=embedder.name, dimension=embedder.dimension)
    verifier = make_verifier(settings, embedder, index, load_stance(settings), answer_cache=False)
    result = run_scifact(verifier, claims, index.documents, args.top_k)
    print(f"SciFact {args.split}: {len(claims)} claims, {index.manifest.count} passages")
    print(result.format())
    if args.json_out:
        args.json_out.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    return 0


def _fit_verdict_rule(claims: Sequence[LabelledClaim], settings: Settings) -> int:
    from service.components import build_components
    from verify.fit import fit_rule, leave_one_out

    verifier = build_components(settings).verifier
    cases = [(c.label, verifier.verify(c.claim).evidence) for c in claims]
    result = fit_rule(cases, settings.refute_margin)
    rule = result.rule
    print(
        f"best macro-F1 {result.macro_f1:.4f} (accuracy {result.accuracy:.4f}) on "
        f"{len(claims)} claims; {result.optimal_rules} of {result.rules_tried} rules tie, "
        "the centre of that plateau is:"
    )
    print(f"FACTDESK_SUPPORT_THRESHOLD={rule.support_threshold}")
    print(f"FACTDESK_REFUTE_THRESHOLD={rule.refute_threshold}")
    print(f"FACTDESK_CONFLICT_THRESHOLD={rule.conflict_threshold}")
    print(f"FACTDESK_MIN_RELEVANCE={rule.min_relevance}")
    print(f"(refute margin {rule.refute_margin}, from settings: not fitted)")
    macro_f1, accuracy = leave_one_out(cases, settings.refute_margin)
    print(
        f"leave-one-out (each claim decided by a rule fitted on the others): macro-F1 "
        f"{macro_f1:.4f}, accuracy {accuracy:.4f}"
    )
    return 0


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import create_app
    from service.openapi import openapi_yaml

    text = openapi_yaml(create_app(settings))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run `factdesk openapi`", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
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
    train.add_argument(
        "--recipe",
        choices=list(RECIPES),
        default="base",
        help="Data mix and hyper-parameters (verify/training/recipe.py); default: base.",
    )
    train.add_argument(
        "--init",
        type=Path,
        help="Stance model to continue (required by "
        + ", ".join(f"--recipe {r.name}" for r in RECIPES.values() if r.needs_init)
        + ").",
    )
    train.add_argument("--training-root", type=Path, help="Default: <shared_dir>/training.")
    train.add_argument("--benchmarks-root", type=Path, help="Default: <shared_dir>/benchmarks.")
    train.add_argument("--threads", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument("--epochs", type=float)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--checkpoint-every", type=int)
    train.add_argument(
        "--binary-rows",
        choices=["marginal", "drop"],
        help="How entailment/not_entailment rows are used (default: marginal).",
    )
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
        help="Model alone, without the explicit number, date and polarity checks.",
    )
    evaluate.add_argument(
        "--forward-only",
        action="store_true",
        help="Only the evidence-as-premise direction (half the work; no 'both directions').",
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

    serve = commands.add_parser("serve", help="Run the HTTP API (builds the index if absent).")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    index = commands.add_parser("index", help="Build index artifacts.")
    index_commands = index.add_subparsers(dest="index_command", required=True)
    build = index_commands.add_parser("build", help="Embed a corpus and write a new index.")
    build.add_argument("--corpus", type=Path, help="Directory or .jsonl (default: settings).")
    build.add_argument("--out", type=Path, help="New index directory (default: settings).")
    build.set_defaults(handler=_index_build)

    verify = commands.add_parser("verify", help="Verify one claim and show the cited evidence.")
    verify.add_argument("claim")
    verify.add_argument("--url", help="Ask a running server instead of loading models here.")
    verify.add_argument("--json", action="store_true", help="Print the full JSON answer.")
    verify.set_defaults(handler=_verify)

    evaluation = commands.add_parser("eval", help="Evaluate verification end to end.")
    eval_commands = evaluation.add_subparsers(dest="eval_command", required=True)
    claims = eval_commands.add_parser("claims", help="Verdicts, citations, latency on claims.")
    claims.add_argument("file", type=Path, help="JSONL {id, claim, label, evidence[...]}.")
    claims.add_argument("--url", help="Evaluate a running server (default: in-process).")
    claims.add_argument(
        "--corpus", type=Path, help="Corpus of the gold quotes (default: settings)."
    )
    claims.add_argument("--json", type=Path, dest="json_out", help="Also write figures here.")
    claims.add_argument(
        "--fit", action="store_true", help="Fit the verdict thresholds to these claims instead."
    )
    claims.set_defaults(handler=_eval_claims)

    scifact = eval_commands.add_parser("scifact", help="SciFact end to end (own index).")
    scifact.add_argument("directory", type=Path, help="Holds corpus.jsonl and claims_*.jsonl.")
    scifact.add_argument("--split", default="dev", choices=["dev", "train"])
    scifact.add_argument("--index-dir", type=Path, help="Default: var/index-scifact.")
    scifact.add_argument("--top-k", type=int, default=10)
    scifact.add_argument("--json", type=Path, dest="json_out", help="Also write figures here.")
    scifact.set_defaults(handler=_eval_scifact)

    openapi = commands.add_parser("openapi", help="Write (or --check) openapi.yaml from the app.")
    openapi.add_argument("--out", type=Path, default=Path("openapi.yaml"))
    openapi.add_argument("--check", action="store_true", help="Fail if the file has drifted.")
    openapi.set_defaults(handler=_openapi)
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
