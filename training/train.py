"""Fine-tune a BERT-style encoder into a 3-way stance cross-encoder, resumably, on the CPU.

Output layout (``out_dir``):
    checkpoint/state.pt   latest resumable state (model, optimizer, scheduler, step)
    train_log.jsonl       one line per logging interval
    model/                the finished model: config.json (id2label), fp16 safetensors,
                          tokenizer files, training.json (hyper-parameters and data mix)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import random
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers import __version__ as transformers_version

from factdesk.core.files import sha256_file
from index.embedding import native_bf16
from training.augment import counterfactual_contradictions
from training.data import DataMix, LabelledPair, Source, build_mix
from training.neutrals import crossed_neutrals, unlabelled_pool, unrelated_neutrals
from training.premises import padded_premises, pronoun_premises
from training.recipe import (
    CLAIM_EVIDENCE_SOURCES,
    DEFAULT_SOURCES,
    POOL_SOURCES,
    HyperParameters,
)
from verify.labels import Stance
from verify.stance_model import encode_pairs

# The shipped model's output order; readers of the model take it from config.json.
ID2LABEL = {0: "entailment", 1: "neutral", 2: "contradiction"}
STANCE_INDEX = {Stance.SUPPORTS: 0, Stance.NEUTRAL: 1, Stance.REFUTES: 2}


class StopFlag:
    """Set by SIGTERM or SIGINT: the run finishes its step, saves and evaluates."""

    def __init__(self, minutes: float | None = None) -> None:
        self.signal: str | None = None
        self._deadline = None if minutes is None else time.monotonic() + minutes * 60

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name

    def stop_reason(self) -> str | None:
        """Why a run stops now: the signal's name, or "time" once its minutes are up."""
        if self.signal is not None:
            return self.signal
        return "time" if self._deadline and time.monotonic() >= self._deadline else None

    @contextmanager
    def installed(self) -> Iterator[StopFlag]:
        previous = {s: signal.signal(s, self) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def stance_classifier(path: str) -> Any:
    """The encoder at ``path`` with a 3-way stance head in ID2LABEL's order (fresh when the
    checkpoint has none), in fp32 for training or merging."""
    return AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(ID2LABEL),
        id2label=ID2LABEL,
        label2id={v: k for k, v in ID2LABEL.items()},
        dtype=torch.float32,
    )


def allowed_mask(pairs: Sequence[LabelledPair]) -> torch.Tensor:
    mask = torch.zeros(len(pairs), len(ID2LABEL), dtype=torch.bool)
    for row, pair in enumerate(pairs):
        for stance in pair.allowed:
            mask[row, STANCE_INDEX[stance]] = True
    return mask


def marginal_nll(logits: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """-log of the probability mass the model puts on the allowed labels.

    For a 3-way gold label this is plain cross-entropy; for binary "not_entailment" it is
    -log(p_neutral + p_contradiction), which trains the 3-way head on binary data without
    claiming that the row is one of the two in particular.
    """
    logits = logits.float()
    masked = logits.masked_fill(~allowed, float("-inf"))
    return (torch.logsumexp(logits, dim=-1) - torch.logsumexp(masked, dim=-1)).mean()


def distillation_kl(
    student: torch.Tensor, teacher: torch.Tensor, temperature: float
) -> torch.Tensor:
    """KL(teacher || student) of the distributions softened by ``temperature``, scaled by
    its square so the gradient's size does not depend on it (Hinton et al., 2015)."""
    target = torch.log_softmax(teacher.float() / temperature, dim=-1)
    log_student = torch.log_softmax(student.float() / temperature, dim=-1)
    kl = (target.exp() * (target - log_student)).sum(dim=-1).mean()
    return kl * temperature**2


def load_teacher(path: Path, device: str) -> tuple[Any, Any]:
    """A stance model trained here (same label order), frozen, to distil from."""
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    teacher = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32)
    labels = {int(k): str(v).lower() for k, v in teacher.config.id2label.items()}
    if labels != ID2LABEL:
        raise ValueError(
            f"teacher {path} has labels {labels}, not {ID2LABEL}: distil from a model trained "
            "by `factdesk stance train`"
        )
    teacher.to(device).eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return tokenizer, teacher


def batch_order(
    lengths: Sequence[int], batch_size: int, bucket_batches: int, seed: int
) -> list[list[int]]:
    """Shuffled batches of similar length: little padding, yet no fixed curriculum."""
    rng = random.Random(seed)
    indices = list(range(len(lengths)))
    rng.shuffle(indices)
    chunk = batch_size * bucket_batches
    batches: list[list[int]] = []
    for start in range(0, len(indices), chunk):
        block = sorted(indices[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(block[i : i + batch_size] for i in range(0, len(block), batch_size))
    rng.shuffle(batches)
    return batches


def _init_record(init: Path | None, named: str | Path | None = None) -> dict[str, Any] | None:
    """What a continued run started from: enough to tell which model it was. ``init`` is
    the folder read (made whole: a shipped model assembled, an adapter merged), ``named``
    what the command named, recorded as its path: its own files come first (a grown
    adapter's progress), then the whole folder's (a ``pkg:`` reference names no folder)."""
    if init is None:
        return None
    record: dict[str, Any] = {"path": str(named or init)}
    folders = [Path(named), init] if named is not None and Path(named).is_dir() else [init]
    for folder in folders:
        weights = [folder / "model.safetensors", folder / "adapter_model.safetensors"]
        found = [path for path in weights if path.exists()]
        if found:
            record["sha256"] = sha256_file(found[-1])
            break
    # A full model's training.json, or a grown adapter's progress.json (training/adapter.py)
    for previous in (
        folder / name for folder in folders for name in ("training.json", "progress.json")
    ):
        if previous.exists():
            earlier = json.loads(previous.read_text(encoding="utf-8"))
            record["training"] = {k: v for k, v in earlier.items() if k != "data_mix"}
            record["data_mix"] = earlier.get("data_mix")
            break
    return record


def _save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(
    out_dir: Path,
    training_root: Path,
    benchmarks_root: Path,
    backbone: str,
    hp: HyperParameters,
    threads: int,
    sources: Sequence[Source] = DEFAULT_SOURCES,
    limit_per_source: int | None = None,
    max_steps: int | None = None,
    log: Callable[[str], None] = print,
    recipe: str = "base",
    init: Path | None = None,
    backbone_name: str | None = None,
    crossing_sources: Sequence[Source] = (),
    device: str = "auto",
    teacher: Path | None = None,
    minutes: float | None = None,
    teacher_source: Path | None = None,
    init_source: Path | None = None,
) -> Path | None:
    """Train (or resume) and return the directory of the finished model; None when the run
    stopped before its end (after ``minutes``, or on SIGTERM/SIGINT) with its state saved,
    so the same call continues it.

    With ``init`` the run continues that stance model (same label head) instead of starting
    a fresh head on ``backbone``. ``device``: "auto" (CUDA when there is one), "cpu", "cuda".
    With ``teacher`` (a larger stance model) the loss mixes the gold labels with the
    teacher's distribution, ``hp.distill_weight`` of it (knowledge distillation);
    ``teacher_source`` and ``init_source`` are the folders the two were made whole from (a
    grown adapter merged into its backbone, a shipped model assembled), which the record
    names.
    """
    if (teacher is None) != (hp.distill_weight == 0.0):
        raise ValueError("a teacher needs a distill_weight above 0, and a weight a teacher")
    device = training_device(device)
    torch.set_num_threads(threads)
    torch.manual_seed(hp.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_dir = out_dir / "checkpoint"
    checkpoint_dir.mkdir(exist_ok=True)

    mix = DataMix(list(sources), training_root, benchmarks_root, hp.seed)
    crossing = DataMix(list(crossing_sources), training_root, benchmarks_root, hp.seed)
    pairs, made = training_pairs(mix, crossing, hp, limit_per_source)
    log(
        f"data: {len(pairs)} pairs from {len(mix.sources)} sources, {made['augmented']} "
        f"augmented, {made['unrelated_neutrals']} unrelated-evidence neutrals, "
        f"{made['pronoun_premises']} pronoun-subject and {made['padded_premises']} padded "
        f"premises, {made['crossed_neutrals']} crossed neutrals"
    )

    tokenizer, model = _student(str(init) if init is not None else backbone, hp, device)
    distil = load_teacher(teacher, device) if teacher is not None else None

    lengths = [len(p.premise) + len(p.hypothesis) for p in pairs]
    steps_per_epoch = math.ceil(len(pairs) / hp.batch_size)
    total_steps = math.ceil(hp.epochs * steps_per_epoch)
    if max_steps is not None:
        total_steps = min(total_steps, max_steps)
    schedule = _schedule(lengths, hp, total_steps)

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=hp.learning_rate, weight_decay=hp.weight_decay)
    warmup = max(1, int(hp.warmup_fraction * total_steps))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)

    state_path = checkpoint_dir / "state.pt"
    start_step = 0
    if state_path.exists():
        start_step = _resume(
            state_path, total_steps, len(pairs), model, optimizer, scheduler, device
        )
        log(f"resuming at step {start_step}/{total_steps}")

    use_bf16 = hp.bf16_autocast and bf16_native_on(device)
    config = {
        "recipe": recipe,
        "bf16_autocast_used": use_bf16,
        "backbone": backbone_name or backbone,
        "init": _init_record(init, init_source),
        # The teacher's data mix travels with the student: its licence terms do too.
        "teacher": _init_record(teacher, teacher_source),
        "hyper_parameters": dataclasses.asdict(hp),
        "threads": threads,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "total_steps": total_steps,
        "pairs": len(pairs),
        **made,
        "limit_per_source": limit_per_source,
        "data_mix": mix.stats,
        "crossing_sources": crossing.stats,
        "torch": torch.__version__,
        "transformers": transformers_version,
        "python": platform.python_version(),
    }
    (out_dir / "training.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    model.train()
    log(f"bf16 autocast: {'on' if use_bf16 else 'off'}")
    log_path = out_dir / "train_log.jsonl"

    def checkpoint(done: int) -> None:
        state = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
        _save_state(state_path, state, device, done, total_steps, len(pairs))

    window = _LossWindow(log_path, total_steps, log)
    flag = StopFlag(minutes)
    with flag.installed():
        for step in range(start_step, total_steps):
            stopped = flag.stop_reason()
            if stopped is not None:
                checkpoint(step)
                log(f"stopped at step {step} of {total_steps} ({stopped}); saved: rerun to go on")
                return None
            batch = [pairs[i] for i in schedule[step]]
            loss = _batch_loss(batch, model, tokenizer, distil, hp, device, use_bf16)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            done = step + 1
            window.add(done, loss.item(), len(batch), float(scheduler.get_last_lr()[0]))
            if done % hp.checkpoint_every == 0 and done < total_steps:
                checkpoint(done)

    final_dir = out_dir / "model"
    final_dir.mkdir(exist_ok=True)
    model.eval()
    # fp16 halves the shipped size; the loader casts back to fp32 for CPU inference.
    model.half().cpu().save_pretrained(final_dir, safe_serialization=True)
    tokenizer.save_pretrained(final_dir)
    (final_dir / "training.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    log(f"model written to {final_dir}")
    return final_dir


def _student(start_from: str, hp: HyperParameters, device: str) -> tuple[Any, Any]:
    """The tokenizer and the model a run trains, on ``device``."""
    tokenizer = AutoTokenizer.from_pretrained(start_from)
    model = stance_classifier(start_from)
    model.to(device)
    if hp.freeze_word_embeddings:
        # Fine-tuning the 30k x d vocabulary matrix costs a third of each step on the CPU
        # and barely moves accuracy: the encoder layers carry the task.
        model.get_input_embeddings().weight.requires_grad_(False)
    return tokenizer, model


def bf16_native_on(device: str) -> bool:
    """Whether ``device`` computes bf16 natively: elsewhere (no AVX512-BF16 or AMX) autocast
    emulates it, about 20x slower than fp32."""
    return torch.cuda.is_bf16_supported() if device == "cuda" else native_bf16()


def _save_state(
    path: Path, parts: dict[str, Any], device: str, done: int, total_steps: int, pairs: int
) -> None:
    """What a resumed run needs: weights, optimizer, schedule, RNG and where it stopped."""
    _save_atomic(
        {
            **{name: part.state_dict() for name, part in parts.items()},
            "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if device == "cuda" else None,
            "step": done,
            "total_steps": total_steps,
            "pairs": pairs,
        },
        path,
    )


class _LossWindow:
    """The mean loss and speed of every 50 steps (and the last), logged and appended to
    ``train_log.jsonl``."""

    def __init__(self, path: Path, total_steps: int, log: Callable[[str], None]) -> None:
        self._path, self._total, self._log = path, total_steps, log
        self._started = self._window_start = time.monotonic()
        self._loss, self._pairs = 0.0, 0

    def add(self, done: int, loss: float, pairs: int, learning_rate: float) -> None:
        self._loss += loss * pairs
        self._pairs += pairs
        if done % 50 and done != self._total:
            return
        now = time.monotonic()
        entry = {
            "step": done,
            "of": self._total,
            "loss": round(self._loss / self._pairs, 4),
            "lr": learning_rate,
            "pairs_per_s": round(self._pairs / (now - self._window_start), 1),
            "elapsed_s": round(now - self._started, 1),
        }
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        self._log(json.dumps(entry))
        self._loss, self._pairs, self._window_start = 0.0, 0, now


def _batch_loss(
    batch: Sequence[LabelledPair],
    model: Any,
    tokenizer: Any,
    distil: tuple[Any, Any] | None,
    hp: HyperParameters,
    device: str,
    use_bf16: bool,
) -> torch.Tensor:
    """The gold-label loss of one batch, mixed with the teacher's when there is one."""
    premises, hypotheses = [p.premise for p in batch], [p.hypothesis for p in batch]
    encoded = encode_pairs(tokenizer, premises, hypotheses, hp.max_length).to(device)
    with torch.autocast(device, dtype=torch.bfloat16, enabled=use_bf16):
        logits = model(**encoded).logits
    loss = marginal_nll(logits.float(), allowed_mask(batch).to(device))
    if distil is None:
        return loss
    teacher_tokenizer, teacher_model = distil
    teacher_input = encode_pairs(teacher_tokenizer, premises, hypotheses, hp.max_length)
    with torch.no_grad(), torch.autocast(device, dtype=torch.bfloat16, enabled=use_bf16):
        teacher_logits = teacher_model(**teacher_input.to(device)).logits
    soft = distillation_kl(logits, teacher_logits, hp.distill_temperature)
    return (1.0 - hp.distill_weight) * loss + hp.distill_weight * soft


def training_pairs(
    mix: DataMix, crossing: DataMix, hp: HyperParameters, limit_per_source: int | None
) -> tuple[list[LabelledPair], dict[str, int]]:
    """The data mix and the pairs made from it, with how many of each kind were made."""
    pairs = build_mix(mix, limit_per_source=limit_per_source)
    if hp.binary_rows == "drop":
        pairs = [p for p in pairs if len(p.allowed) == 1]
    elif hp.binary_rows != "marginal":
        raise ValueError(f"binary_rows must be 'marginal' or 'drop', not {hp.binary_rows!r}")
    made = {
        "augmented": counterfactual_contradictions(pairs, hp.augment_limit, hp.seed),
        "unrelated_neutrals": unrelated_neutrals(
            pairs, CLAIM_EVIDENCE_SOURCES, hp.unrelated_neutrals, hp.seed
        ),
        "pronoun_premises": pronoun_premises(
            pairs, CLAIM_EVIDENCE_SOURCES, hp.pronoun_premises, hp.seed
        ),
        "padded_premises": padded_premises(
            pairs, CLAIM_EVIDENCE_SOURCES, hp.padded_premises, hp.seed
        ),
    }
    if hp.unlabelled_pool:  # (a key only where there is a pool: older runs' records stand)
        made["unlabelled_pool"] = unlabelled_pool(pairs, POOL_SOURCES, hp.unlabelled_pool, hp.seed)
    crossing_pairs = build_mix(crossing, limit_per_source=limit_per_source)
    made["crossed_neutrals"] = crossed_neutrals(
        pairs + crossing_pairs, hp.crossed_neutrals, hp.seed
    )
    for extra in made.values():
        pairs.extend(extra)
    return pairs, {name: len(extra) for name, extra in made.items()}


def _schedule(lengths: Sequence[int], hp: HyperParameters, total_steps: int) -> list[list[int]]:
    """The batches of every step: length-bucketed orders, one seed per epoch."""
    schedule: list[list[int]] = []
    epoch = 0
    while len(schedule) < total_steps:
        schedule.extend(
            batch_order(lengths, hp.batch_size, hp.length_bucket_batches, hp.seed + epoch)
        )
        epoch += 1
    return schedule[:total_steps]


def training_device(device: str) -> str:
    """ "auto": CUDA when PyTorch sees a GPU, else the CPU; the CPU path needs no GPU ever."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda, but PyTorch sees no CUDA device here")
    return device


def _resume(
    state_path: Path,
    total_steps: int,
    pair_count: int,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    device: str,
) -> int:
    """Restore a checkpoint of this very run; returns the step to continue from."""
    state = torch.load(state_path, weights_only=False, map_location=device)
    if state["total_steps"] != total_steps or state["pairs"] != pair_count:
        raise RuntimeError(
            f"checkpoint in {state_path.parent} is for a different run "
            f"({state['pairs']} pairs, {state['total_steps']} steps); use another --out"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"].cpu())
    if device == "cuda" and state.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(state["cuda_rng"].cpu())
    return int(state["step"])
