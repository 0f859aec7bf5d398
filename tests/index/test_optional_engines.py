"""The default path needs neither Milvus nor Ray: their clients are imported only when the
settings or the command ask for them."""

import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import sys
import factdesk.cli, factdesk.wiring, service.app, index.live, index.ingest, index.milvus
from factdesk.wiring import shared_vectors
from tests.fakes import fake_settings
assert shared_vectors(fake_settings(), 256) is None  # FACTDESK_VECTOR_STORE=faiss
loaded = sorted(m for m in ("pymilvus", "milvus_lite", "ray") if m in sys.modules)
print(loaded)
"""


def test_the_default_path_imports_neither_pymilvus_nor_ray() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
