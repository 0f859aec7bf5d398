"""Earlier checks: a reviewed answer is found again for a claim that says the same."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.service.conftest import runtime_of
from tests.service.test_api import assert_problem

CLAIM = "Putin and Xi signed a joint statement in Beijing."
PARAPHRASE = "In Beijing, Xi and Putin signed a joint statement."
SAME_TOPIC = "Putin visited a car factory in Harbin."
NEGATION = "Putin and Xi did not sign a joint statement in Beijing."


def verify(client: TestClient, claim: str) -> dict[str, Any]:
    answer = client.post("/v1/verify", json={"claim": claim})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def reviewed(client: TestClient, claim: str, review: dict[str, Any]) -> str:
    answer = verify(client, claim)
    response = client.post(f"/v1/queries/{answer['id']}/reviews", json=review)
    assert response.status_code == 201, response.text
    return str(answer["id"])


def test_a_paraphrase_of_a_reviewed_claim_shows_the_editors_verdict(client: TestClient) -> None:
    assert verify(client, PARAPHRASE)["earlier_checks"] == []  # nothing reviewed yet
    review = {"verdict": "REFUTED", "note": "Signed in Moscow, not Beijing."}
    check_id = reviewed(client, CLAIM, review)
    earlier = verify(client, PARAPHRASE)["earlier_checks"]
    assert [check["query_id"] for check in earlier] == [check_id]
    first = earlier[0]
    assert first["verdict"] == "REFUTED"
    assert first["model_verdict"] == "SUPPORTED"  # what the editor overrode
    assert first["note"] == review["note"]
    assert first["same_claim"]
    assert first["similarity"] >= 0.72
    assert client.get(first["claimreview_url"]).status_code == 200
    assert verify(client, SAME_TOPIC)["earlier_checks"] == []  # another claim on the topic
    assert verify(client, NEGATION)["earlier_checks"] == []  # close in words, not the same
    audited = client.get(f"/v1/queries/{verify(client, CLAIM)['id']}").json()
    assert audited["response"]["earlier_checks"][0]["query_id"] == check_id  # as it was sent


def test_the_latest_review_is_the_check(client: TestClient) -> None:
    check_id = reviewed(client, CLAIM, {"agree": True})
    assert verify(client, PARAPHRASE)["earlier_checks"][0]["verdict"] == "SUPPORTED"
    response = client.post(
        f"/v1/queries/{check_id}/reviews", json={"verdict": "NOT_ENOUGH_INFO", "note": "Unclear."}
    )
    assert response.status_code == 201
    earlier = verify(client, PARAPHRASE)["earlier_checks"]
    assert [(c["query_id"], c["verdict"]) for c in earlier] == [(check_id, "NOT_ENOUGH_INFO")]


def test_checks_are_searched_by_text_language_and_age(client: TestClient) -> None:
    check_id = reviewed(client, CLAIM, {"agree": True})
    other_id = reviewed(client, SAME_TOPIC, {"agree": True})
    items = client.get("/v1/checks", params={"query": PARAPHRASE}).json()["items"]
    assert [item["query_id"] for item in items] == [check_id, other_id]  # closest first
    assert [item["same_claim"] for item in items] == [True, False]
    assert items[0]["similarity"] > items[1]["similarity"]
    negation = client.get("/v1/checks", params={"query": NEGATION}).json()["items"]
    assert negation[0]["query_id"] == check_id
    assert not negation[0]["same_claim"]  # ranked first, but the negation tells them apart
    german: dict[str, str | int] = {"query": PARAPHRASE, "language": "de"}
    assert client.get("/v1/checks", params=german).json()["items"] == []
    recent: dict[str, str | int] = {"query": PARAPHRASE, "language": "en", "max_age_days": 1}
    found = client.get("/v1/checks", params={**recent, "limit": 1}).json()["items"]
    assert [item["query_id"] for item in found] == [check_id]
    bad_queries: list[dict[str, str | int]] = [
        {"query": " "}, {}, {"query": "x", "max_age_days": 0}, {"query": "x", "q": "y"},
    ]  # fmt: skip
    for bad in bad_queries:
        assert_problem(client.get("/v1/checks", params=bad), 422)


def test_each_sentence_of_a_draft_carries_its_earlier_checks(client: TestClient) -> None:
    check_id = reviewed(client, CLAIM, {"agree": True})
    draft = f"{PARAPHRASE} Putin visited Harbin after the talks."
    body = client.post("/v1/articles/check", json={"text": draft}).json()
    answers = [s["answer"] for s in body["sentences"] if s["answer"]]
    assert [c["query_id"] for c in answers[0]["earlier_checks"]] == [check_id]
    assert answers[1]["earlier_checks"] == []


def test_a_claim_reviewed_twice_between_lookups_is_one_check(client: TestClient) -> None:
    check_id = reviewed(client, CLAIM, {"agree": True})
    again = client.post(f"/v1/queries/{check_id}/reviews", json={"verdict": "REFUTED"})
    assert again.status_code == 201  # both reviews are read by the next lookup
    earlier = verify(client, PARAPHRASE)["earlier_checks"]
    assert [(c["query_id"], c["verdict"]) for c in earlier] == [(check_id, "REFUTED")]


def test_each_answer_of_a_batch_carries_its_earlier_checks(client: TestClient) -> None:
    check_id = reviewed(client, CLAIM, {"agree": True})
    batch = client.post(
        "/v1/verify/batch", json={"claims": [{"claim": SAME_TOPIC}, {"claim": PARAPHRASE}]}
    ).json()
    found = [[c["query_id"] for c in r["answer"]["earlier_checks"]] for r in batch["results"]]
    assert found == [[], [check_id]]


def test_a_failed_lookup_fails_each_answer_of_a_batch_in_its_place(client: TestClient) -> None:
    runtime = runtime_of(client)
    cascade = " CASCADE" if runtime.engine.dialect.name == "postgresql" else ""
    with runtime.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE reviews{cascade}"))
    batch = client.post(
        "/v1/verify/batch", json={"claims": [{"claim": CLAIM}, {"claim": "1234"}]}
    ).json()
    assert [r["problem"]["status"] for r in batch["results"]] == [503, 422]
