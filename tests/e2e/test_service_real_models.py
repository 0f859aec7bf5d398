"""The HTTP API with the real packaged models, real FAISS and a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factdesk.core.settings import AuditSettings, IndexSettings, Settings, StanceSettings
from service.app import create_app
from service.keys.repository import Scope
from service.runtime import Runtime

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path, shipped_model: Path
) -> Iterator[TestClient]:
    database = tmp_path_factory.mktemp("db") / "audit.db"
    settings = Settings(
        audit=AuditSettings(database_url=f"sqlite:///{database}"),
        index=IndexSettings(index_dir=real_index_dir),
        stance=StanceSettings(model=str(shipped_model)),
    )
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        runtime: Runtime = test_client.app.state.runtime  # type: ignore[attr-defined]
        _, key = runtime.keys.create("e2e", frozenset({Scope.VERIFY, Scope.READ}))
        test_client.headers["Authorization"] = f"Bearer {key}"
        yield test_client


def test_power_of_siberia_2_is_refuted_citing_the_pipeline_passage(client: TestClient) -> None:
    body = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    assert body["verdict"] == "REFUTED", body
    # The polarity check: "cannot be addressed until the two countries agree on a Power of
    # Siberia 2 pipeline" says no agreement has been reached. The sentence that says the
    # project "was not mentioned" is cited too, as refuting by the model alone.
    first, second = body["citations"][:2]
    assert "until the two countries agree on a Power of Siberia 2 pipeline" in first["text"]
    assert first["stance"] == "REFUTES"
    assert "Power of Siberia 2" in second["text"]
    assert "was not mentioned" in second["text"]
    assert first["decisive"]
    assert body["reason"]["code"] == "refuted_by_check"
    assert body["reason"]["check"] == "polarity"
    assert "agree" in body["reason"]["detail"]
    assert body["models"]["stance"]["checksum"]
    assert body["index"]["index_type"] == "flat"


def test_supported_claim_cites_its_evidence(client: TestClient) -> None:
    body = client.post(
        "/v1/verify", json={"claim": "Putin and Xi signed a joint statement in Beijing."}
    ).json()
    assert body["verdict"] == "SUPPORTED", body
    assert any("Joint Statement" in c["text"] for c in body["citations"][:2])


def test_antonym_claim_is_refuted_citing_the_opposite_statement(client: TestClient) -> None:
    body = client.post("/v1/verify", json={"claim": "China supports the expansion of NATO."}).json()
    assert body["verdict"] == "REFUTED", body
    assert "oppose the expansion of NATO" in body["citations"][0]["text"]
    assert body["models"]["stance"]["checks"] == "numbers,dates,polarity"


def test_role_swap_is_not_supported(client: TestClient) -> None:
    # The corpus says Putin visited Xi in Beijing; no sentence puts Xi in Moscow.
    body = client.post(
        "/v1/verify", json={"claim": "Xi Jinping visited Moscow in May 2024."}
    ).json()
    assert body["verdict"] != "SUPPORTED", body
    assert not any(c["decisive"] and c["stance"] == "SUPPORTS" for c in body["citations"])


@pytest.mark.parametrize("claim", ["qwkejh asdlkj zxcvbn", "Octopuses have three hearts."])
def test_nonsense_and_off_topic_claims_are_not_enough_info(client: TestClient, claim: str) -> None:
    body = client.post("/v1/verify", json={"claim": claim}).json()
    assert body["verdict"] == "NOT_ENOUGH_INFO", body
    assert body["reason"]["code"] in {
        "no_relevant_evidence",
        "evidence_not_about_claim",
        "judge_unsure",
    }
    assert not any(c["decisive"] for c in body["citations"])


def test_text_with_no_words_is_refused_with_a_problem(client: TestClient) -> None:
    response = client.post("/v1/verify", json={"claim": "😀😀😀"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/not-a-claim")
    assert problem["errors"][0]["field"] == "body.claim"


def test_answer_is_audited_and_documents_listed(client: TestClient) -> None:
    body = client.post(
        "/v1/verify", json={"claim": "Putin visited a car factory in Harbin."}
    ).json()
    record = client.get(f"/v1/queries/{body['id']}").json()
    assert record["response"] == body
    assert client.get("/v1/documents").json()["total"] == 5
    assert client.get("/readyz").status_code == 200


def test_a_draft_is_checked_whole_with_the_real_head_and_judge(client: TestClient) -> None:
    draft = (
        "Putin and Xi signed a joint statement in Beijing.\n\n"
        "Russia's trade with China rose 60 percent compared with before the war. "
        "Thank you for reading. What happens next?"
    )
    answer = client.post("/v1/articles/check", json={"text": draft})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    sentences = body["sentences"]
    assert all(draft[s["start"] : s["end"]] == s["text"] for s in sentences)
    assert [s["check_worthy"] for s in sentences] == [True, True, False, False]
    signed = sentences[0]["answer"]
    assert signed["verdict"] == "SUPPORTED", signed
    assert any("Joint Statement" in c["text"] for c in signed["citations"][:2])
    assert body["summary"]["verified"] == 2
    again = client.get(f"/v1/articles/checks/{body['id']}").json()
    assert again == body
    audited = client.get(f"/v1/queries/{signed['id']}").json()
    assert audited["article_check_id"] == body["id"]
