"""Documents over HTTP: add, replace, remove and upload, each a new corpus version that the
server answers with before it replies (fake models, real FAISS, SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.documents.service import NewDocument
from service.keys.repository import Scope
from service.queries.tables import QueryRecord
from tests.fakes import pdf_with_text
from tests.service.conftest import new_key, runtime_of
from tests.service.test_api import assert_problem, verify

NORWAY = {
    "id": "norway-svalbard-station",
    "title": "Norway opens an Arctic station",
    "text": "Norway signed the charter of the Svalbard Arctic station on 3 May 2024. Twelve "
    "scientists from Tromso moved in the same week.",
    "url": "https://example.org/svalbard",
    "publisher": "Example News",
    "published": "2024-05-03",
}
CLAIM = "Norway signed the charter of the Svalbard Arctic station."


def _add(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/documents", json=document)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _cites(answer: dict[str, Any], document_id: str) -> list[dict[str, Any]]:
    return [c for c in answer["citations"] if c["document_id"] == document_id]


def test_an_added_document_is_searchable_at_once_with_exact_offsets(client: TestClient) -> None:
    before = verify(client, CLAIM)
    assert not _cites(before, NORWAY["id"])
    written = _add(client, NORWAY)
    assert written["version"] == before["index"]["version"] + 1
    assert written["document"]["id"] == NORWAY["id"]
    assert written["document"]["passages"] >= 1
    assert written["document"]["language"] == "en"  # detected

    after = verify(client, CLAIM)
    assert after["index"]["version"] == written["version"]
    assert after["verdict"] == "SUPPORTED"
    cited = _cites(after, NORWAY["id"])
    assert cited
    assert cited[0]["title"] == NORWAY["title"]
    text = client.get(f"/v1/documents/{NORWAY['id']}/text").json()["text"]
    for citation in cited:
        assert text[citation["start"] : citation["end"]] == citation["text"]
    listed = {d["id"] for d in client.get("/v1/documents").json()["items"]}
    assert NORWAY["id"] in listed
    assert len(listed) == 6


def test_a_removed_document_is_gone_from_answers_and_lists(client: TestClient) -> None:
    _add(client, NORWAY)
    deleted = client.delete(f"/v1/documents/{NORWAY['id']}")
    assert deleted.status_code == 204
    version = int(deleted.headers["x-index-version"])
    answer = verify(client, CLAIM)
    assert answer["index"]["version"] == version
    assert not _cites(answer, NORWAY["id"])
    assert_problem(client.get(f"/v1/documents/{NORWAY['id']}"), 404)
    assert_problem(client.get(f"/v1/documents/{NORWAY['id']}/text"), 404)
    assert_problem(client.delete(f"/v1/documents/{NORWAY['id']}"), 404)


def test_replacing_a_document_answers_from_its_new_text(client: TestClient) -> None:
    _add(client, NORWAY)
    new_text = "Norway postponed the Svalbard Arctic station. No charter exists yet."
    response = client.put(f"/v1/documents/{NORWAY['id']}", json={**NORWAY, "text": new_text})
    assert response.status_code == 200, response.text
    assert response.json()["replaced"] is True
    assert client.get(f"/v1/documents/{NORWAY['id']}/text").json()["text"] == new_text
    for citation in _cites(verify(client, CLAIM), NORWAY["id"]):
        assert citation["text"] in new_text
    assert_problem(client.put("/v1/documents/nobody", json=NORWAY), 404)


def test_duplicates_and_taken_ids_are_conflicts_not_second_copies(client: TestClient) -> None:
    _add(client, NORWAY)
    again = assert_problem(client.post("/v1/documents", json={**NORWAY, "id": "copy"}), 409)
    assert NORWAY["id"] in again["detail"]
    assert again["errors"][0]["field"] == "body.text"
    # The same text re-wrapped is the same article.
    rewrapped = {**NORWAY, "id": "copy", "text": NORWAY["text"].replace(" ", "\n  ")}
    assert_problem(client.post("/v1/documents", json=rewrapped), 409)
    taken = assert_problem(client.post("/v1/documents", json={**NORWAY, "text": "Other."}), 409)
    assert "PUT" in taken["detail"]
    versions = client.get("/v1/index/versions").json()
    assert versions["current"] == versions["items"][0]["version"] == 2


def test_an_id_is_made_from_the_text_and_a_title_from_a_headline(client: TestClient) -> None:
    body = _add(
        client,
        {"text": "Harbin hosts the eighth China-Russia Expo\n\nThe Expo opened on 17 May."},
    )
    assert body["document"]["id"].startswith("doc-")
    assert body["document"]["title"] == "Harbin hosts the eighth China-Russia Expo"


@pytest.mark.parametrize(
    ("name", "content", "expected_title", "expected_text"),
    [
        (
            "station.html",
            b"<html><head><title>Arctic station opens</title></head><body><nav>Home | News"
            b"</nav><article><p>Norway signed the charter of the Svalbard Arctic station on "
            b"3 May 2024, and twelve scientists from Tromso moved in the same week.</p>"
            b"</article></body></html>",
            "Arctic station opens",
            "Svalbard Arctic station",
        ),
        (
            "station.pdf",
            pdf_with_text("Norway signed the charter of the Svalbard station.", "Station brief"),
            "Station brief",
            "Norway signed the charter of the Svalbard station.",
        ),
        ("station.md", b"Norway signed the charter of the station.", None, "the charter"),
    ],
)
def test_uploads_are_read_as_their_kind(
    client: TestClient, name: str, content: bytes, expected_title: str | None, expected_text: str
) -> None:
    response = client.post(
        "/v1/documents",
        files={"file": (name, content)},
        data={"id": "upload", "publisher": "Example News"},
    )
    assert response.status_code == 201, response.text
    document = response.json()["document"]
    assert (document["title"], document["publisher"]) == (expected_title, "Example News")
    assert expected_text in client.get("/v1/documents/upload/text").json()["text"]


def test_an_upload_is_named_by_its_file_unless_an_id_is_given(client: TestClient) -> None:
    text = b"Norway opened the Svalbard Arctic station on 3 May 2024."
    named = client.post("/v1/documents", files={"file": ("Arctic station (final).txt", text)})
    assert named.status_code == 201, named.text
    assert named.json()["document"]["id"] == "Arctic-station-final"
    again = client.post(
        "/v1/documents", files={"file": ("Arctic station (final).txt", b"Other text here.")}
    )
    assert "PUT" in assert_problem(again, 409)["detail"]


def test_documents_and_versions_are_listed_a_page_at_a_time(
    client: TestClient, sample_documents: list[Any]
) -> None:
    """Before: GET /v1/documents?limit=2 was a 422 and every list came whole."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/documents", params=params).json()
        assert len(page["items"]) <= 2
        assert page["total"] == len(sample_documents)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(d.id for d in sample_documents)
    for extra in range(3):
        _add(client, {**NORWAY, "id": f"note-{extra}", "text": f"Note {extra} of the desk here."})
    newest = client.get("/v1/index/versions", params={"limit": 2}).json()
    assert [v["version"] for v in newest["items"]] == [4, 3]
    older = client.get("/v1/index/versions", params={"cursor": newest["next_cursor"]}).json()
    assert [v["version"] for v in older["items"]] == [2, 1]
    assert older["next_cursor"] is None
    for path, bad in (("documents", "!!"), ("documents", "AA"), ("index/versions", "ZG9j")):
        # not base64; a NUL; "doc", which names no version
        problem = assert_problem(client.get(f"/v1/{path}", params={"cursor": bad}), 422)
        assert problem["errors"][0]["field"] == "query.cursor"


def test_bad_documents_get_one_clear_4xx(client: TestClient) -> None:
    cases = [
        (client.post("/v1/documents", json={"text": "   "}), 422, "body.text"),
        (client.post("/v1/documents", json={"text": "x", "id": "../etc"}), 422, "body.id"),
        (client.post("/v1/documents", json={"text": "x", "colour": "red"}), 422, "body.colour"),
        (client.post("/v1/documents", files={"file": ("a.exe", b"MZ")}), 422, None),
        (client.post("/v1/documents", files={"file": ("a.pdf", b"%PDF-1.4 no")}), 422, None),
        (client.post("/v1/documents", files={"file": ("a.txt", b"\xff\xfe")}), 422, None),
        (client.post("/v1/documents", data={"id": "x"}), 422, "body.file"),
        (client.post("/v1/documents", content=b"text", headers={"content-type": "text/plain"}),
         422, "body.file"),
    ]  # fmt: skip
    for response, status, field in cases:
        problem = assert_problem(response, status)
        if field is not None:
            assert problem["errors"][0]["field"] == field, problem


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
                "vbscript:msgbox", "ftp://example.org/a", "//example.org/a"],
)  # fmt: skip
def test_a_document_url_is_http_or_https_only(client: TestClient, address: str) -> None:
    # It reaches citations, the editor's links and ClaimReview: a script there would run.
    as_json = client.post("/v1/documents", json={**NORWAY, "url": address})
    assert assert_problem(as_json, 422)["errors"][0]["field"] == "body.url"
    as_form = client.post(
        "/v1/documents", files={"file": ("a.txt", b"Some text to index.")}, data={"url": address}
    )
    assert assert_problem(as_form, 422)["errors"][0]["field"] == "body.url"
    assert _add(client, {**NORWAY, "url": "HTTPS://example.org/ok"})["document"]["url"]


def test_writes_need_the_admin_scope(client: TestClient) -> None:
    reader = new_key(client, "reader", Scope.READ, Scope.VERIFY)
    headers = {"Authorization": f"Bearer {reader}"}
    assert_problem(client.post("/v1/documents", json=NORWAY, headers=headers), 403)
    assert_problem(client.delete("/v1/documents/pism-spotlight-34-2024", headers=headers), 403)
    assert client.get("/v1/documents", headers=headers).status_code == 200


def test_the_audit_records_the_version_that_answered(client: TestClient) -> None:
    first = verify(client, CLAIM)
    _add(client, NORWAY)
    second = verify(client, CLAIM)
    runtime = runtime_of(client)
    with runtime.engine.connect() as connection:
        found = connection.execute(select(QueryRecord.id, QueryRecord.index_version))
        rows = {record_id: version for record_id, version in found}
    assert rows[first["id"]] == first["index"]["version"] == 1
    assert rows[second["id"]] == second["index"]["version"] == 2
    record = client.get(f"/v1/queries/{second['id']}").json()
    assert record["response"]["index"]["version"] == 2


def test_removing_every_document_leaves_a_version_that_finds_nothing(
    client: TestClient, sample_documents: list[Any]
) -> None:
    for document in sample_documents:
        assert client.delete(f"/v1/documents/{document.id}").status_code == 204
    answer = verify(client, "Putin and Xi signed a joint statement in Beijing.")
    assert answer["verdict"] == "NOT_ENOUGH_INFO"
    assert answer["citations"] == []
    assert answer["index"]["version"] == 1 + len(sample_documents)
    assert client.get("/v1/documents").json()["total"] == 0
    assert client.get("/readyz").status_code == 200
    _add(client, NORWAY)  # and it grows again
    assert verify(client, CLAIM)["verdict"] == "SUPPORTED"


def test_loading_a_version_is_logged_as_routine_not_as_a_warning(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="factdesk"):
        _add(client, NORWAY)
    loaded = [r for r in caplog.records if r.getMessage().startswith("index version")]
    assert [r.levelname for r in loaded] == ["INFO"]  # before: WARNING, for every version
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_write_answers_with_the_version_it_made_when_another_writer_follows(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten concurrent PUTs made versions 19-28 and seven answered 28: each names its own."""
    runtime = runtime_of(client)
    refresh = runtime.live.refresh
    other = NewDocument(text="Another desk added this note later.", id="other-writer")

    def another_writer_first(**options: Any) -> Any:
        # Between this change's commit and its load, a replica commits the next version.
        runtime.corpus.repository.add([runtime.corpus.document(other)], "replica")
        monkeypatch.setattr(runtime.live, "refresh", refresh)
        return refresh(**options)

    before = client.get("/v1/index/versions").json()["current"]
    monkeypatch.setattr(runtime.live, "refresh", another_writer_first)
    written = _add(client, NORWAY)
    assert written["version"] == before + 1  # its own, not the replica's
    assert client.get("/v1/index/versions").json()["current"] == before + 2
    deleted = client.delete(f"/v1/documents/{NORWAY['id']}")
    assert deleted.headers["X-Index-Version"] == str(before + 3)


def test_a_change_this_server_cannot_load_is_a_503_that_says_it_is_stored(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = runtime_of(client).live

    def broken(**_: object) -> object:
        raise OSError("disk full")

    monkeypatch.setattr(live, "refresh", broken)
    problem = assert_problem(client.post("/v1/documents", json=NORWAY), 503)
    assert "stored as corpus version 2" in problem["detail"]
    assert "OSError" in problem["detail"]


def test_a_files_own_metadata_fills_the_fields_not_given(client: TestClient) -> None:
    page = (
        b"<html><head><title>Arctic station opens</title>"
        b'<meta property="og:site_name" content="Polar Desk">'
        b'<meta property="article:published_time" content="2024-06-01T08:00:00Z">'
        b'<link rel="canonical" href="https://example.org/svalbard"></head><body><article>'
        b"<p>Norway signed the charter of the Svalbard Arctic station on 1 June 2024, and "
        b"twelve scientists from Tromso moved in the same week.</p></article></body></html>"
    )
    response = client.post("/v1/documents", files={"file": ("page.html", page)})
    assert response.status_code == 201, response.text
    read = response.json()["document"]
    assert (read["publisher"], read["published"], read["url"]) == (
        "Polar Desk", "2024-06-01", "https://example.org/svalbard",
    )  # fmt: skip
    given = client.post(
        "/v1/documents",
        files={"file": ("page2.html", page.replace(b"twelve", b"eleven"))},
        data={"publisher": "Wire copy", "published": "2024-06-02"},
    ).json()["document"]
    assert (given["publisher"], given["published"]) == ("Wire copy", "2024-06-02")
    pdf = pdf_with_text("Norway signed the charter.", "Brief", created="D:20240601120000Z")
    brief = client.post("/v1/documents", files={"file": ("brief.pdf", pdf)}).json()["document"]
    assert (brief["title"], brief["published"]) == ("Brief", "2024-06-01")
