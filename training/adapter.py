"""Grow a stance judge run by run on a CPU: a LoRA adapter (peft) and a fresh 3-way head on a
frozen sentence-transformers backbone (all-mpnet-base-v2 by default), trained in runs bounded
by wall-clock time, each continuing where the last one stopped.

Why an adapter: the backbone learns far more per example than MiniLM-L6 but costs ~6x per
step; training only a low-rank delta keeps a step affordable on 2 cores and the result small
enough to commit (../shared/training/README.md has the probes this starts from).

The adapter folder (committed, a few MB):
    adapter_model.safetensors, adapter_config.json   the LoRA weights and the head, fp16
    progress.json     the run that wrote them: steps, pairs seen, the data cursor, its figure
    learning_curve.jsonl   one line per run, written or not: pairs seen -> MultiNLI-mm
The state folder (outside the repository, may be lost between sessions):
    latest/           the newest weights, even when they did not beat the committed ones
    optimizer.pt      AdamW's moments and the torch RNG state of ``latest``
A run continues from ``latest`` when it is there and belongs to the same recipe and adapter
shape, else from the committed adapter with a fresh optimizer (a short warm-up again).

The data cursor is the global step: the batches of epoch ``e`` are a fixed shuffle seeded
with ``seed + e`` (training.train.batch_order), so step ``n`` always reads the same pairs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from index.embedding import native_bf16
from training.data import DataMix, LabelledPair
from training.recipe import Recipe
from training.train import (
    STANCE_INDEX,
    StopFlag,
    allowed_mask,
    batch_order,
    marginal_nll,
    stance_classifier,
    training_pairs,
)
from verify.labels import STANCES
from verify.stance_model import Probabilities, StancePair, encode_pairs

Predict = Callable[[Sequence[StancePair]], Probabilities]  # STANCES-ordered probabilities
Measure = Callable[[Predict], float]  # a figure of the model as it stands (MultiNLI-mm)

PROGRESS_FILE = "progress.json"
CURVE_FILE = "learning_curve.jsonl"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
# LoRA on every attention projection and both feed-forward layers of each block; the head
# (classifier) is trained whole and saved with the adapter.
TARGET_MODULES = (
    r".*\.layer\.\d+\."  # every block of the encoder (MPNet's and BERT's names)
    r"(attention\.attn\.(q|k|v|o)|attention\.self\.(query|key|value)|attention\.output\.dense"
    r"|intermediate\.dense|output\.dense)"
)


def default_state_dir(adapter_dir: Path) -> Path:
    """Where the bulky state of an adapter's runs lives unless told: outside the repository."""
    return Path.home() / ".cache" / "factdesk" / "adapters" / adapter_dir.resolve().name


@dataclass(frozen=True)
class AdapterConfig:
    """How the adapter is shaped and trained; a run resumes only an adapter of this shape."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    # 5e-4 collapsed after 100 steps in the shared probe; 2e-4 rose steadily.
    learning_rate: float = 2e-4
    warmup_steps: int = 100  # from a fresh optimizer, at the start of any run without one
    weight_decay: float = 0.01
    batch_size: int = 16
    max_length: int = 128
    length_bucket_batches: int = 50
    save_every: int = 200  # steps between saves of the newest weights (a killed run loses less)
    # Matrix products in bf16 (weights, optimizer and loss stay fp32) where the CPU computes
    # bf16 natively: 3.17 -> 2.05 s/step on 2 AVX512-BF16 cores (mpnet, batch 16, len 128).
    bf16_autocast: bool = True

    def shape(self) -> dict[str, object]:
        return {"rank": self.rank, "alpha": self.alpha, "target_modules": TARGET_MODULES}


@dataclass(frozen=True)
class RunResult:
    steps: int  # the global step reached
    pairs_seen: int
    run_steps: int  # steps taken by this run
    figure: float  # what ``measure`` said of the run's weights
    committed: bool  # the adapter folder now holds this run's weights
    stopped_by: str  # "time", "signal" or "steps"


def epoch_batches(
    lengths: Sequence[int], config: AdapterConfig, seed: int, epoch: int
) -> list[list[int]]:
    return batch_order(lengths, config.batch_size, config.length_bucket_batches, seed + epoch)


def batches_from(
    lengths: Sequence[int], config: AdapterConfig, seed: int, step: int
) -> Iterator[list[int]]:
    """The batches from global step ``step`` on, epoch after epoch, without end."""
    per_epoch = math.ceil(len(lengths) / config.batch_size)
    epoch, position = divmod(step, per_epoch)
    while True:
        yield from epoch_batches(lengths, config, seed, epoch)[position:]
        epoch, position = epoch + 1, 0


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _resumable(folder: Path, recipe: str, config: AdapterConfig) -> dict[str, Any] | None:
    """The progress of the adapter in ``folder`` if it can be continued by this run."""
    progress = _read_json(folder / PROGRESS_FILE)
    if progress is None or not (folder / ADAPTER_WEIGHTS).exists():
        return None
    if progress.get("recipe") != recipe or progress.get("shape") != config.shape():
        return None
    return progress


def _model(backbone: str, start: Path | None, config: AdapterConfig) -> Any:
    """The backbone with a fresh head and LoRA, or with the adapter in ``start``."""
    from peft import LoraConfig, PeftModel, get_peft_model

    base = stance_classifier(backbone)
    if start is not None:
        return PeftModel.from_pretrained(base, str(start), is_trainable=True)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=TARGET_MODULES,
        modules_to_save=["classifier"],
        task_type="SEQ_CLS",
    )
    return get_peft_model(base, lora)


def _save_adapter(model: Any, folder: Path, progress: dict[str, Any]) -> None:
    """The adapter in fp16 (half the size; loaded back as fp32) and its progress."""
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    weights = {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in get_peft_model_state_dict(model).items()
    }

    config = model.peft_config["default"]
    # peft adds the head's names again each time an adapter is loaded: keep each once.
    config.modules_to_save = list(dict.fromkeys(config.modules_to_save or ()))
    config.save_pretrained(str(folder))
    # Each file replaced whole, progress last: a run killed while saving leaves the previous
    # weights with their own progress, or the new ones with theirs.
    save_file(weights, str(folder / f"{ADAPTER_WEIGHTS}.tmp"))
    (folder / f"{ADAPTER_WEIGHTS}.tmp").replace(folder / ADAPTER_WEIGHTS)
    text = json.dumps(progress, indent=2) + "\n"
    (folder / f"{PROGRESS_FILE}.tmp").write_text(text, encoding="utf-8")
    (folder / f"{PROGRESS_FILE}.tmp").replace(folder / PROGRESS_FILE)


def predictor(model: Any, tokenizer: Any, max_length: int) -> Predict:
    """The model as it stands, as a stance model's ``predict`` (evaluation mode, no grad)."""
    columns = [STANCE_INDEX[stance] for stance in STANCES]

    def predict(pairs: Sequence[StancePair]) -> Probabilities:
        outputs: list[torch.Tensor] = []
        with torch.inference_mode():
            for start in range(0, len(pairs), 32):
                chunk = pairs[start : start + 32]
                encoded = encode_pairs(
                    tokenizer, [p.evidence for p in chunk], [p.claim for p in chunk], max_length
                )
                logits = model(**encoded).logits.float()
                outputs.append(torch.softmax(logits, dim=-1)[:, columns])
        return torch.cat(outputs).numpy()

    return predict


@dataclass
class _Run:
    """Where a run starts: its weights, optimizer and cursor."""

    model: Any
    tokenizer: Any
    optimizer: torch.optim.Optimizer
    params: list[torch.nn.Parameter]
    committed: dict[str, Any] | None  # the progress of the adapter folder's weights
    step: int
    seen: int
    warm: int  # optimizer steps taken since it was fresh (no warm-up past warmup_steps)


def _start(
    adapter_dir: Path,
    latest: Path,
    backbone: str,
    recipe: Recipe,
    pair_count: int,
    config: AdapterConfig,
    log: Callable[[str], None],
) -> _Run:
    """The newest weights this run can continue (the state folder's, else the committed
    adapter's, else a fresh adapter), and the optimizer when it was saved with them."""
    from transformers import AutoTokenizer

    committed = _resumable(adapter_dir, recipe.name, config)
    newest = _resumable(latest, recipe.name, config)
    if newest is not None and committed is not None and newest["steps"] < committed["steps"]:
        newest = None  # the state folder is older than the committed adapter
    folder, progress = (latest, newest) if newest else (adapter_dir, committed)
    if progress is not None and progress["pairs"] != pair_count:
        raise ValueError(
            f"{folder} was trained on {progress['pairs']} pairs of recipe {recipe.name!r}, this "
            f"data mix has {pair_count}: the shared data changed; start a new adapter folder"
        )
    model = _model(backbone, folder if progress else None, config)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    step, seen = (progress["steps"], progress["pairs_seen"]) if progress else (0, 0)
    saved = latest / "optimizer.pt"
    warm = 0
    if newest is not None and saved.exists():
        state = torch.load(saved, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        warm = config.warmup_steps
        log(f"resuming {latest} at step {step} ({seen} pairs seen) with its optimizer")
    else:
        torch.manual_seed(recipe.hyper_parameters.seed + step)
        what = f"{folder} at step {step}" if progress else f"a fresh adapter on {backbone}"
        log(f"starting from {what}; a fresh optimizer warms up over {config.warmup_steps} steps")
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    return _Run(model, tokenizer, optimizer, params, committed, step, seen, warm)


def _train_until(
    run: _Run,
    pairs: Sequence[LabelledPair],
    seed: int,
    config: AdapterConfig,
    stop: Callable[[int], str | None],
    save: Callable[[], None],
    log: Callable[[str], None],
    clock: Callable[[], float],
) -> tuple[int, str]:
    """Steps until ``stop`` (given the steps taken) names why; those steps and the reason."""
    lengths = [len(p.premise) + len(p.hypothesis) for p in pairs]
    use_bf16 = config.bf16_autocast and native_bf16()
    log(f"bf16 autocast: {'on' if use_bf16 else 'off'}")
    run.model.train()
    taken, window, started = 0, 0.0, clock()
    for batch_indices in batches_from(lengths, config, seed, run.step):
        reason = stop(taken)
        if reason is not None:
            return taken, reason
        factor = min(1.0, (run.warm + 1) / config.warmup_steps)
        for group in run.optimizer.param_groups:
            group["lr"] = config.learning_rate * factor
        batch = [pairs[i] for i in batch_indices]
        loss = _loss(run.model, run.tokenizer, batch, config.max_length, use_bf16)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(run.params, 1.0)
        run.optimizer.step()
        run.optimizer.zero_grad(set_to_none=True)
        run.step, run.seen, run.warm, taken = (
            run.step + 1,
            run.seen + len(batch),
            run.warm + 1,
            taken + 1,
        )
        window += loss.item()
        if taken % config.save_every == 0:
            save()
        if taken % 25 == 0:
            rate = (clock() - started) / taken
            log(f"step {run.step} ({run.seen} pairs): loss {window / 25:.4f}, {rate:.2f} s/step")
            window = 0.0
    raise AssertionError("batches_from never ends")


def grow(
    *,
    adapter_dir: Path,
    state_dir: Path,
    backbone: str,
    recipe: Recipe,
    mix: DataMix,
    crossing: DataMix,
    measure: Measure,
    minutes: float,
    threads: int,
    config: AdapterConfig = AdapterConfig(),
    max_steps: int | None = None,
    limit_per_source: int | None = None,
    log: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
) -> RunResult:
    """One run: continue the adapter for ``minutes`` (or ``max_steps``), then save the newest
    weights to ``state_dir``, measure them, and write them to ``adapter_dir`` when they beat
    what it holds. SIGTERM or SIGINT ends the run early the same way."""
    started = clock()
    deadline = started + minutes * 60
    torch.set_num_threads(threads)
    pairs, made = training_pairs(mix, crossing, recipe.hyper_parameters, limit_per_source)
    latest = state_dir / "latest"
    run = _start(adapter_dir, latest, backbone, recipe, len(pairs), config, log)
    trainable = sum(p.numel() for p in run.params)
    log(f"data: {len(pairs)} pairs ({recipe.name}); {trainable} trainable parameters")

    flag = StopFlag()

    def stop(taken: int) -> str | None:
        if flag.signal is not None:
            return "signal"
        if max_steps is not None and taken >= max_steps:
            return "steps"
        return "time" if clock() >= deadline else None

    def progress_now() -> dict[str, Any]:
        return {
            "recipe": recipe.name,
            "backbone": Path(backbone).name,
            "shape": config.shape(),
            "config": asdict(config),
            "pairs": len(pairs),
            "made": made,
            "data_mix": mix.stats,
            "steps": run.step,
            "pairs_seen": run.seen,
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def save_latest() -> None:
        _save_adapter(run.model, latest, progress_now())
        state = {"optimizer": run.optimizer.state_dict(), "rng": torch.get_rng_state()}
        tmp = latest / "optimizer.pt.tmp"
        torch.save(state, tmp)
        tmp.replace(latest / "optimizer.pt")

    with flag.installed():
        taken, stopped_by = _train_until(
            run, pairs, recipe.hyper_parameters.seed, config, stop, save_latest, log, clock
        )
        save_latest()
        progress = progress_now()
        log(f"saved step {run.step} to {latest}; measuring it")
        run.model.eval()
        figure = measure(predictor(run.model, run.tokenizer, config.max_length))
        best = run.committed.get("mnli_mm") if run.committed else None
        better = best is None or figure > best
        if better:
            _save_adapter(run.model, adapter_dir, {**progress, "mnli_mm": figure})
    entry = {
        "ended": progress["updated"],
        "steps": run.step,
        "pairs_seen": run.seen,
        "run_steps": taken,
        "run_minutes": round((clock() - started) / 60, 1),
        "mnli_mm": figure,
        "committed": better,
        "stopped_by": stopped_by,
    }
    adapter_dir.mkdir(parents=True, exist_ok=True)
    with (adapter_dir / CURVE_FILE).open("a", encoding="utf-8") as curve:
        curve.write(json.dumps(entry) + "\n")
    log(f"figure {figure:.4f} (best before: {best}); adapter {'written' if better else 'kept'}")
    return RunResult(run.step, run.seen, taken, figure, better, stopped_by)


def _loss(
    model: Any, tokenizer: Any, batch: Sequence[LabelledPair], max_length: int, bf16: bool
) -> torch.Tensor:
    encoded = encode_pairs(
        tokenizer, [p.premise for p in batch], [p.hypothesis for p in batch], max_length
    )
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits = model(**encoded).logits
    return marginal_nll(logits.float(), allowed_mask(batch))


ADAPTER_CONFIG = "adapter_config.json"


def is_adapter(folder: Path) -> bool:
    """Whether ``folder`` holds a grown adapter (not a whole model)."""
    return (folder / ADAPTER_CONFIG).exists() and (folder / ADAPTER_WEIGHTS).exists()


def merged_model(adapter_dir: Path, backbone: str, cache_root: Path) -> Path:
    """The backbone with the adapter merged in, as a whole sequence-classification model
    folder any stance-model loader reads; written once under ``cache_root`` per adapter."""
    import shutil
    import tempfile

    from peft import PeftModel
    from transformers import AutoTokenizer

    from factdesk.core.files import sha256_file

    identity = sha256_file(adapter_dir / ADAPTER_WEIGHTS)[:16]
    target = cache_root / f"{adapter_dir.name}-{identity}"
    if (target / "config.json").exists():
        return target
    base = stance_classifier(backbone)
    model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_root))
    model.save_pretrained(staging, safe_serialization=True)
    AutoTokenizer.from_pretrained(backbone).save_pretrained(staging)
    if target.exists():  # another process merged it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.replace(target)
    return target
