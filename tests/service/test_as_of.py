"""A claim judged as of a day: evidence published after it is not used."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.test_api import assert_problem

CLAIM = "Norway signed the charter of the Svalbard Arctic station."


@pytest.fixture
def dated(client: TestClient) -> TestClient:
    """The sample corpus and one later article, the only one that supports CLAIM."""
    document = {
        "id": "norway-2024-06",
        "text": "Norway signed the charter of the Svalbard Arctic station on 1 June 2024.",
        "title": "Svalbard charter",
        "publisher": "Polar Desk",
        "published": "2024-06-01",
        "url": "https://example.org/svalbard",
    }
    assert client.post("/v1/documents", json=document).status_code == 201
    return client


def verify(client: TestClient, **fields: Any) -> dict[str, Any]:
    answer = client.post("/v1/verify", json={"claim": CLAIM, **fields})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_claim_supported_only_by_a_later_article_is_not_enough_info_before_it(
    dated: TestClient,
) -> None:
    now = verify(dated)
    assert now["verdict"] == "SUPPORTED"
    assert now["as_of"] is None
    cited = next(c for c in now["citations"] if c["document_id"] == "norway-2024-06")
    assert cited["published_at"] == "2024-06-01"
    assert (cited["publisher"], cited["url"]) == ("Polar Desk", "https://example.org/svalbard")
    before = verify(dated, as_of="2024-05-20")
    assert before["verdict"] == "NOT_ENOUGH_INFO"
    assert before["as_of"] == "2024-05-20"
    assert all(c["document_id"] != "norway-2024-06" for c in before["citations"])
    assert verify(dated, as_of="2024-06-01")["verdict"] == "SUPPORTED"  # that day counts
    audited = dated.get(f"/v1/queries/{before['id']}").json()
    assert audited["response"]["as_of"] == "2024-05-20"


def test_the_cut_off_applies_to_each_claim_of_a_batch_and_a_draft(dated: TestClient) -> None:
    batch = dated.post(
        "/v1/verify/batch",
        json={"claims": [{"claim": CLAIM}, {"claim": CLAIM, "as_of": "2024-05-20"}]},
    ).json()
    assert [item["answer"]["verdict"] for item in batch["results"]] == [
        "SUPPORTED",
        "NOT_ENOUGH_INFO",
    ]
    draft = f"{CLAIM} Putin visited Harbin."
    body = dated.post("/v1/articles/check", json={"text": draft, "as_of": "2024-05-20"}).json()
    norway = body["sentences"][0]["answer"]
    assert norway["verdict"] == "NOT_ENOUGH_INFO"
    assert norway["as_of"] == "2024-05-20"
    upload = dated.post(
        "/v1/articles/check",
        files={"file": ("draft.txt", draft.encode())},
        data={"as_of": "2024-05-20"},
    ).json()
    assert upload["sentences"][0]["answer"]["verdict"] == "NOT_ENOUGH_INFO"


@pytest.mark.parametrize("as_of", ["2024-13-01", "yesterday", 20240520, "", True])
def test_a_bad_date_is_a_422_naming_the_field(client: TestClient, as_of: object) -> None:
    problem = assert_problem(client.post("/v1/verify", json={"claim": CLAIM, "as_of": as_of}), 422)
    assert "body.as_of" in [error["field"] for error in problem["errors"]]
    refused = client.post(
        "/v1/articles/check",
        files={"file": ("draft.txt", CLAIM.encode())},
        data={"as_of": "2024-02-30"},
    )
    assert "body.as_of" in [e["field"] for e in assert_problem(refused, 422)["errors"]]


def test_a_claimreview_cites_the_evidence_with_its_publisher_and_date(dated: TestClient) -> None:
    answer = verify(dated)
    assert (
        dated.post(f"/v1/queries/{answer['id']}/reviews", json={"agree": True}).status_code == 201
    )
    review = dated.get(f"/v1/queries/{answer['id']}/claimreview").json()
    norway = next(c for c in review["citation"] if c.get("url") == "https://example.org/svalbard")
    assert norway["datePublished"] == "2024-06-01"
    assert norway["publisher"] == {"@type": "Organization", "name": "Polar Desk"}
