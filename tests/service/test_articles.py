"""POST /v1/articles/check: a whole draft checked at once, audited whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from factdesk.core.settings import AuditSettings
from service.app import create_app
from service.keys.repository import Scope
from service.queries.tables import ArticleCheckRecord, QueryRecord
from tests.fakes import FakeStanceModel, fake_pipeline_factory, fake_settings, pdf_with_text
from tests.service.conftest import LOCAL, as_admin, new_key, runtime_of
from tests.service.test_api import assert_problem

DRAFT = (
    "Putin visited Beijing in May 2024.  Russia and China signed a joint statement on "
    "their partnership.\nThe Power of Siberia 2 pipeline was agreed.\n\nThank you all. "
    "Did they discuss the pipeline?"
)


def check(
    client: TestClient, draft: str = DRAFT, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    answer = client.post("/v1/articles/check", json={"text": draft, **fields}, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def audited(client: TestClient) -> tuple[int, int]:
    """How many answers and drafts the audit trail holds."""
    with runtime_of(client).engine.connect() as connection:
        queries = connection.scalar(select(func.count()).select_from(QueryRecord))
        articles = connection.scalar(select(func.count()).select_from(ArticleCheckRecord))
    return int(queries or 0), int(articles or 0)


def test_every_sentence_keeps_its_span_and_each_claim_is_verified(client: TestClient) -> None:
    body = check(client)
    sentences = body["sentences"]
    assert body["text"] == DRAFT
    assert body["source"] is None
    assert [s["text"] for s in sentences] == [
        "Putin visited Beijing in May 2024.",
        "Russia and China signed a joint statement on their partnership.",
        "The Power of Siberia 2 pipeline was agreed.",
        "Thank you all.",
        "Did they discuss the pipeline?",
    ]
    for sentence in sentences:  # every span slices the submitted text exactly
        assert DRAFT[sentence["start"] : sentence["end"]] == sentence["text"]
        assert (sentence["answer"] is not None) == sentence["check_worthy"]
    assert [s["check_worthy"] for s in sentences] == [True, True, True, False, False]
    signed, pipeline = sentences[1]["answer"], sentences[2]["answer"]
    assert signed["claim"] == sentences[1]["text"]
    assert signed["verdict"] == "SUPPORTED"
    assert pipeline["verdict"] == "REFUTED"
    for citation in signed["citations"]:  # each answer cites exact spans, as /v1/verify does
        document = client.get(f"/v1/documents/{citation['document_id']}/text").json()
        assert document["text"][citation["start"] : citation["end"]] == citation["text"]
    summary = body["summary"]
    assert summary["sentences"] == 5
    assert summary["check_worthy"] == summary["verified"] == 3
    assert sum(summary["verdicts"].values()) == 3
    assert summary["verdicts"]["SUPPORTED"] >= 1
    assert set(summary["verdicts"]) == {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO", "CONFLICTING"}
    waiting = sum(s["answer"]["needs_review"] for s in sentences if s["answer"])
    assert summary["needs_review"] == waiting
    assert 0.0 < body["checkworthiness"]["threshold"] < 1.0


def test_the_draft_is_audited_whole_and_can_be_read_back(client: TestClient) -> None:
    body = check(client)
    assert audited(client) == (3, 1)
    again = client.get(f"/v1/articles/checks/{body['id']}")
    assert again.status_code == 200
    assert again.json() == body
    answer = next(s["answer"] for s in body["sentences"] if s["answer"])
    record = client.get(f"/v1/queries/{answer['id']}").json()
    assert record["article_check_id"] == body["id"]
    assert record["response"] == answer  # each sentence audited like any claim
    assert runtime_of(client).audit.verify_chain().intact
    assert client.get("/v1/verify", params={}).status_code == 405  # (a POST route)
    assert_problem(client.get("/v1/articles/checks/not-an-id"), 404)


def test_another_keys_draft_is_not_found_and_reading_needs_verify(client: TestClient) -> None:
    body = check(client)
    reader = new_key(client, "reader", Scope.READ)
    headers = {"Authorization": f"Bearer {reader}"}
    assert_problem(client.get(f"/v1/articles/checks/{body['id']}", headers=headers), 404)
    refused = client.post("/v1/articles/check", json={"text": DRAFT}, headers=headers)
    assert_problem(refused, 403)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("draft.html", f"<html><body><article><p>{DRAFT}</p></article></body></html>".encode()),
        ("draft.pdf", pdf_with_text("Russia and China signed a joint statement.", "Draft")),
        ("draft.md", b"# The visit\n\n" + DRAFT.encode()),
    ],
)
def test_an_uploaded_file_is_read_and_its_text_returned(
    client: TestClient, name: str, content: bytes
) -> None:
    answer = client.post("/v1/articles/check", files={"file": (name, content)}, data={"top_k": "3"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["source"] == name
    for sentence in body["sentences"]:  # the spans index into the text read from the file
        assert body["text"][sentence["start"] : sentence["end"]] == sentence["text"]
    verified = [s["answer"] for s in body["sentences"] if s["answer"]]
    assert verified
    assert "signed" in " ".join(a["claim"] for a in verified)
    assert len(verified[0]["citations"]) <= 3  # the form's top_k


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "body.text"),
        ({"text": " \n\t "}, "body.text"),
        ({"text": DRAFT, "title": "unknown field"}, "body.title"),
        ({"text": DRAFT, "top_k": "5"}, "body.top_k"),
        ({"text": DRAFT, "language": "English"}, "body.language"),
        ({"text": "Bad\x00byte."}, "body.text"),
        ({}, "body.text"),
    ],
)
def test_bad_drafts_are_422_problems_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(client.post("/v1/articles/check", json=body), 422)
    assert field in [error["field"] for error in problem["errors"]]
    assert audited(client) == (0, 0)


def test_a_draft_without_a_claim_is_a_422_and_nothing_is_audited(client: TestClient) -> None:
    refused = client.post(
        "/v1/articles/check", json={"text": "Thank you all for coming. What a day it was!"}
    )
    problem = assert_problem(refused, 422)
    assert problem["type"].endswith("/no-check-worthy-claims")
    assert "nothing was verified" in problem["detail"]
    assert audited(client) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("draft.docx", b"PK\x03\x04 not read here", 422),
        ("draft.txt", b"   \n  ", 422),
        ("huge.txt", b"Putin visited Beijing. " * (10 * 1024 * 1024 // 23 + 1), 413),
    ],
)
def test_bad_uploads_are_refused_before_anything_is_verified(
    client: TestClient, name: str, content: bytes, status: int
) -> None:
    refused = client.post("/v1/articles/check", files={"file": (name, content)})
    assert_problem(refused, status)
    unknown = client.post(
        "/v1/articles/check", files={"file": ("a.txt", DRAFT.encode())}, data={"title": "x"}
    )
    assert "title" in assert_problem(unknown, 422)["detail"]
    assert audited(client) == (0, 0)


def test_too_many_claims_are_refused_whole(
    database_url: str, fake_index_dir: Path, stance: FakeStanceModel
) -> None:
    settings = fake_settings(
        audit=AuditSettings(database_url=database_url), min_relevance=0.0, max_claims=2
    )
    app = create_app(settings, pipeline_factory=fake_pipeline_factory(fake_index_dir, stance))
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as raw:
        client = as_admin(raw)
        problem = assert_problem(client.post("/v1/articles/check", json={"text": DRAFT}), 422)
        assert "3 check-worthy sentences; at most 2" in problem["detail"]
        assert audited(client) == (0, 0)


def test_each_verified_sentence_counts_against_the_rate_limit(client: TestClient) -> None:
    key = new_key(client, "bot", Scope.VERIFY, Scope.READ, rate_limit="2/minute")
    headers = {"Authorization": f"Bearer {key}"}
    refused = client.post("/v1/articles/check", json={"text": DRAFT}, headers=headers)
    problem = assert_problem(refused, 422)  # three claims never fit a limit of two
    assert "split it" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.text"
    assert audited(client) == (0, 0)
    short = "Russia and China signed a joint statement. The pipeline was agreed."
    other = new_key(client, "other bot", Scope.VERIFY, rate_limit="2/minute")
    headers = {"Authorization": f"Bearer {other}"}
    check(client, short, headers=headers)  # two claims: the whole window's worth
    refused = client.post("/v1/articles/check", json={"text": short}, headers=headers)
    assert_problem(refused, 429)


def test_no_sentence_is_audited_when_the_draft_cannot_be(client: TestClient) -> None:
    runtime = runtime_of(client)
    cascade = " CASCADE" if runtime.engine.dialect.name == "postgresql" else ""
    with runtime.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE article_checks{cascade}"))
    problem = assert_problem(client.post("/v1/articles/check", json={"text": DRAFT}), 503)
    assert "audit" in problem["title"].lower()
    with runtime.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(QueryRecord)) == 0
    assert runtime.audit.repository.head()[0] == 0  # the chain did not move either


def test_a_changed_draft_breaks_the_audit_chain(client: TestClient) -> None:
    body = check(client)
    runtime = runtime_of(client)
    with runtime.engine.begin() as connection:
        connection.execute(
            text("UPDATE article_checks SET text = 'Putin never visited.' WHERE id = :id"),
            {"id": body["id"]},
        )
    report = runtime.audit.verify_chain()
    assert not report.intact
    assert f"article check {body['id']}" in str(report.problem)
