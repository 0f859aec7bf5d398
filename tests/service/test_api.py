"""The HTTP API with fake models, a real FAISS index and a real database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from factdesk.core.settings import Settings
from index.corpus import Document
from service.app import create_app
from service.runtime import Runtime
from tests.fakes import FakeStanceModel, fake_pipeline_factory
from tests.service.conftest import LOCAL, as_admin

CONTRACT_FIELDS = {
    "id",
    "claim",
    "verdict",
    "confidence",
    "citations",
    "reason",
    "needs_review",
    "review_reason",
    "language",
    "language_guessed",
    "index",
    "judge",
    "models",
    "earlier_checks",
    "as_of",
    "took_ms",
}
CITATION_FIELDS = {
    "document_id", "title", "publisher", "url", "published_at", "passage_id", "text", "start",
    "end",
    "stance", "stance_probabilities", "score", "decisive",
}  # fmt: skip


def verify(client: TestClient, claim: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"claim": claim, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_verify_answers_with_the_contract_and_exact_spans(
    client: TestClient, sample_documents: list[Document]
) -> None:
    body = verify(client, "Putin and Xi signed a joint statement in Beijing.", top_k=3)
    assert set(body) == CONTRACT_FIELDS
    assert body["verdict"] == "SUPPORTED"
    assert body["language"] == "en"
    assert 0.0 <= body["confidence"] <= 1.0
    assert len(body["citations"]) == 3
    texts = {d.id: d.text for d in sample_documents}
    for citation in body["citations"]:
        assert set(citation) == CITATION_FIELDS
        assert (
            texts[citation["document_id"]][citation["start"] : citation["end"]] == citation["text"]
        )
        judged = {"SUPPORTS", "REFUTES", "NEUTRAL"} if citation["stance"] else set()
        assert set(citation["stance_probabilities"]) == judged
    assert [c["decisive"] for c in body["citations"]] == [True, False, False]
    assert body["reason"]["code"] == "supported_by_evidence"
    assert body["reason"]["detail"]
    assert body["index"]["checksum"]
    assert body["index"]["count"] > 0
    assert body["models"] == {
        "embedding": "fake-hashing",
        # The verifier's additions to the model's judgment are part of its identity.
        "stance": {
            "name": "fake",
            "checksum": "0",
            "checks": "numbers,dates,polarity",
            "contradiction": "both directions",
            "context": "sentence before a pronoun",
            "topic": "evidence names and restates the claim",
        },
    }


def test_every_answer_says_whether_an_editor_must_look(
    settings: Settings, fake_index_dir: Path, stance: FakeStanceModel
) -> None:
    # Answers at least as confident as 0.0 need no editor unless they abstain or conflict.
    verdict = settings.verdict.model_copy(update={"review_min_confidence": 0.0})
    chosen = settings.model_copy(update={"verdict": verdict})
    app = create_app(chosen, pipeline_factory=fake_pipeline_factory(fake_index_dir, stance))
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as raw:
        client = as_admin(raw)
        supported = verify(client, "Putin and Xi signed a joint statement in Beijing.")
        assert supported["verdict"] == "SUPPORTED"
        assert (supported["needs_review"], supported["review_reason"]) == (False, None)
        unknown = verify(client, "The Eiffel Tower is in Paris.")
        assert unknown["verdict"] == "NOT_ENOUGH_INFO"
        assert (unknown["needs_review"], unknown["review_reason"]) == (True, "abstention")

        batch = client.post(
            "/v1/verify/batch",
            json={
                "claims": [
                    {"claim": "Putin and Xi signed a joint statement."},
                    {"claim": "Cats purr."},
                ]
            },
        ).json()
        answers = [r["answer"] for r in batch["results"]]
        assert [(a["verdict"], a["needs_review"]) for a in answers] == [
            ("SUPPORTED", False), ("NOT_ENOUGH_INFO", True)
        ]  # fmt: skip
        assert batch["needs_review"] == 1

        def listed(**params: Any) -> list[str]:
            page = client.get("/v1/queries", params=params)
            assert page.status_code == 200, page.text
            return [item["claim"] for item in page.json()["items"]]

        waiting = ["Cats purr.", "The Eiffel Tower is in Paris."]
        assert listed(needs_review="true") == waiting
        assert listed(needs_review="false") == [
            "Putin and Xi signed a joint statement.",
            "Putin and Xi signed a joint statement in Beijing.",
        ]  # fmt: skip
        summary = client.get("/v1/queries", params={"limit": 1}).json()["items"][0]
        assert (summary["needs_review"], summary["review_reason"]) == (True, "abstention")
        # the review queue: what needs an editor and has not had one
        reviewed = client.post(f"/v1/queries/{unknown['id']}/reviews", json={"agree": True})
        assert reviewed.status_code == 201
        assert listed(needs_review="true", reviewed="false") == ["Cats purr."]
        assert listed(reviewed="true") == ["The Eiffel Tower is in Paris."]
        assert_problem(client.get("/v1/queries", params={"needs_review": "maybe"}), 422)

        metrics = client.get("/metrics").text
        assert 'factdesk_answers_needing_review_total{reason="abstention"} 2.0' in metrics


def test_refuting_passage_is_cited_first(client: TestClient) -> None:
    body = verify(client, "Power of Siberia 2 was agreed.")
    assert body["verdict"] == "REFUTED"
    assert "Power of Siberia 2" in body["citations"][0]["text"]
    assert body["citations"][0]["stance"] == "REFUTES"


def test_every_answer_is_audited_exactly_as_given(client: TestClient) -> None:
    response = client.post(
        "/v1/verify",
        json={"claim": "  Power of Siberia 2 was agreed.  "},
        headers={"User-Agent": "factcheck-bot/1.0", "X-Request-ID": "req-123"},
    )
    assert response.status_code == 200
    server_id = response.headers["x-request-id"]
    assert len(server_id) == 32
    assert server_id != "req-123"  # a client cannot choose the id the audit is found by
    answer = response.json()
    assert answer["claim"] == "Power of Siberia 2 was agreed."
    record = client.get(f"/v1/queries/{answer['id']}").json()
    assert record["response"] == answer
    assert record["claim"] == answer["claim"]
    assert record["verdict"] == answer["verdict"]
    assert record["confidence"] == answer["confidence"]
    assert record["top_k"] == 5
    assert record["user_agent"] == "factcheck-bot/1.0"
    assert record["request_id"] == server_id
    assert record["client_request_id"] == "req-123"
    assert record["key_id"] is not None
    assert record["sequence"] == 1
    assert len(record["record_hash"]) == 64
    assert record["stance_model"] == "fake"
    assert record["embedding_model"] == "fake-hashing"
    assert record["index_checksum"] == answer["index"]["checksum"]
    assert record["latency_ms"] == answer["took_ms"]


def test_query_list_is_newest_first_paginated_and_filtered(client: TestClient) -> None:
    ids = [verify(client, f"Putin signed deal number {i}.")["id"] for i in range(3)]
    refuted = verify(client, "Power of Siberia 2 was agreed.")["id"]
    page = client.get("/v1/queries", params={"limit": 2}).json()
    assert [item["id"] for item in page["items"]] == [refuted, ids[2]]
    rest = client.get("/v1/queries", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [item["id"] for item in rest["items"]] == [ids[1], ids[0]]
    assert rest["next_cursor"] is None
    only = client.get("/v1/queries", params={"verdict": "REFUTED"}).json()
    assert [item["id"] for item in only["items"]] == [refuted]
    created = client.get(f"/v1/queries/{refuted}").json()["created_at"]
    before = client.get("/v1/queries", params={"until": created}).json()
    assert refuted not in [item["id"] for item in before["items"]]
    assert len(before["items"]) == 3
    after = client.get("/v1/queries", params={"since": created}).json()
    assert [item["id"] for item in after["items"]] == [refuted]
    # the same instant written with another offset selects the same records
    moment = datetime.fromisoformat(created)
    assert moment.utcoffset() == timedelta(0)
    shifted = moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    again = client.get("/v1/queries", params={"since": shifted}).json()
    assert [item["id"] for item in again["items"]] == [refuted]


def test_documents(client: TestClient, sample_documents: list[Document]) -> None:
    listing = client.get("/v1/documents").json()
    assert listing["total"] == len(sample_documents) == 5
    assert all(item["passages"] > 0 for item in listing["items"])
    one = client.get("/v1/documents/pism-spotlight-34-2024").json()
    assert one["publisher"]
    assert one["characters"] > 1000
    assert_problem(client.get("/v1/documents/nope"), 404)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"claim": ""}, "body.claim"),
        ({"claim": "   \n\t "}, "body.claim"),
        ({"claim": "x" * 2001}, "body.claim"),
        ({"claim": 123}, "body.claim"),
        ({"claim": None}, "body.claim"),
        ({"claim": ["a"]}, "body.claim"),
        ({}, "body.claim"),
        ({"claim": "ok", "top_k": 0}, "body.top_k"),
        ({"claim": "ok", "top_k": 51}, "body.top_k"),
        ({"claim": "ok", "top_k": "many"}, "body.top_k"),
        ({"claim": "ok", "extra": 1}, "body.extra"),
    ],
)
def test_bad_requests_are_422_problems_naming_the_field(
    client: TestClient, payload: dict[str, Any], field: str
) -> None:
    body = assert_problem(client.post("/v1/verify", json=payload), 422)
    assert field in [error["field"] for error in body["errors"]]
    assert field in body["detail"]


@pytest.mark.parametrize("claim", ["😀😀😀", "1234 5678", "?!", "Putin"])
def test_text_that_states_nothing_is_a_422_not_a_claim(client: TestClient, claim: str) -> None:
    body = assert_problem(client.post("/v1/verify", json={"claim": claim}), 422)
    assert body["type"].endswith("/not-a-claim")
    assert [error["field"] for error in body["errors"]] == ["body.claim"]
    assert client.get("/v1/queries").json()["items"] == [] or all(
        item["claim"] != claim for item in client.get("/v1/queries").json()["items"]
    )


def test_malformed_json_is_a_422_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/verify", content=b'{"claim": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


def test_oversized_body_is_413(client: TestClient) -> None:
    body = json.dumps({"claim": "x" * 70_000}).encode()
    problem = assert_problem(
        client.post("/v1/verify", content=body, headers={"content-type": "application/json"}), 413
    )
    assert "65536" in problem["detail"]

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 10_000

    chunked = client.post(
        "/v1/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(chunked, 413)


def test_unknown_ids_and_routes_are_404_problems(client: TestClient) -> None:
    assert_problem(client.get("/v1/queries/does-not-exist"), 404)
    assert_problem(client.get("/v2/nothing"), 404)
    assert_problem(client.get("/v1/queries", params={"cursor": "!!"}), 422)
    assert_problem(client.get("/v1/queries", params={"limit": 0}), 422)
    assert_problem(client.get("/v1/queries", params={"verdict": "MAYBE"}), 422)


def test_no_unlogged_answer_when_the_audit_write_fails(client: TestClient) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    cascade = " CASCADE" if runtime.engine.dialect.name == "postgresql" else ""
    with runtime.engine.begin() as connection:  # the reviews' foreign key goes with it
        connection.execute(text(f"DROP TABLE queries{cascade}"))
    answer = client.post("/v1/verify", json={"claim": "Putin signed it."})
    problem = assert_problem(answer, 503)
    assert "audit" in problem["title"].lower()
    listed = client.get("/v1/queries")
    assert_problem(listed, 503)
    for refused in (answer, listed):  # when to come back, as every 503 says
        assert int(refused.headers["Retry-After"]) > 0


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "index": True, "database": True}


def test_swagger_ui_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/docs/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    asset = client.get("/static/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.content) > 100_000
    assert client.get("/openapi.json").json()["info"]["title"] == "factdesk"


@pytest.mark.parametrize(
    ("claim", "language"),
    [
        ("Путин посетил автомобильный завод в Харбине.", "ru"),
        ("习近平与普京一同出席了在哈尔滨举行的中俄博览会。", "zh"),
        ("Putin und Xi unterzeichneten in Peking eine gemeinsame Erklärung.", "de"),
        ("Poutine a fait le voyage sans aucun ministre.", "fr"),
    ],
)
def test_a_claim_the_judge_cannot_read_gets_no_verdict(
    client: TestClient, claim: str, language: str
) -> None:
    body = verify(client, claim)
    assert body["language"] == language
    assert body["verdict"] == "NOT_ENOUGH_INFO"
    assert body["reason"]["code"] == "language_not_supported"
    assert f"'{language}'" in body["reason"]["detail"]
    assert body["citations"] == []
    record = client.get(f"/v1/queries/{body['id']}").json()
    assert record["response"]["language"] == language  # audited as answered


@pytest.mark.parametrize("claim", ["Xi met Putin.", "Hoo Tiang Boon works at NTU in Singapore."])
def test_a_short_english_claim_is_not_taken_for_a_foreign_one(
    client: TestClient, claim: str
) -> None:
    body = verify(client, claim)
    assert body["language"] == "en"
    assert body["language_guessed"] is True  # too short to place: the answer says so
    record = client.get(f"/v1/queries/{body['id']}").json()
    assert record["response"]["language_guessed"] is True


@pytest.mark.parametrize(
    ("claim", "language"), [("Путин посетил Харбин.", "ru"), ("普京访问了哈尔滨。", "zh")]
)
def test_a_short_claim_in_cyrillic_or_han_is_never_taken_for_english(
    client: TestClient, claim: str, language: str
) -> None:
    body = verify(client, claim)
    assert body["language"] == language
    assert body["reason"]["code"] == "language_not_supported"  # not the English judge's


def test_the_client_may_say_which_language_a_claim_is_in(client: TestClient) -> None:
    # "Putin Xi Beijing." detects as something else or English by chance; the client knows.
    said_russian = verify(client, "Putin signed the deal in Beijing.", language="ru")
    assert (said_russian["language"], said_russian["language_guessed"]) == ("ru", False)
    assert said_russian["reason"]["code"] == "language_not_supported"
    said_english = verify(client, "Putin und Xi signed the statement.", language="en")
    assert said_english["language"] == "en"
    assert said_english["reason"]["code"] != "language_not_supported"
    batch = client.post(
        "/v1/verify/batch",
        json={"claims": [{"claim": "Putin signed the deal.", "language": "fr"}]},
    ).json()
    assert batch["results"][0]["answer"]["language"] == "fr"
    problem = assert_problem(
        client.post("/v1/verify", json={"claim": "Putin signed it.", "language": "Russian"}), 422
    )
    assert problem["errors"][0]["field"] == "body.language"
