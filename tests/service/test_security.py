"""Keys, scopes, limits, the batch route, metrics, headers, the audit chain and hostile input,
over HTTP against the production app (fake models, real FAISS, real database)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from factdesk.cli import main
from factdesk.core.settings import AuditSettings, Settings
from service.app import create_app
from service.keys.limits import (
    MemoryRateLimiter,
    RateLimitedError,
    RedisRateLimiter,
    wait_for_room,
)
from service.keys.repository import Scope
from service.middleware import RequestContextMiddleware
from tests.fakes import FakeStanceModel, fake_pipeline_factory, fake_settings
from tests.service.conftest import LOCAL, new_key, runtime_of
from tests.service.test_api import assert_problem

V1_ROUTES = [
    ("POST", "/v1/verify", {"claim": "Putin signed the deal."}),
    ("POST", "/v1/verify/batch", {"claims": [{"claim": "Putin signed the deal."}]}),
    ("GET", "/v1/queries", None),
    ("GET", f"/v1/queries/{uuid.uuid4()}", None),
    ("GET", "/v1/documents", None),
    ("GET", "/v1/documents/anything", None),
]


def call(client: TestClient, method: str, path: str, body: Any, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    # The fixture's admin key is a default header; None here must mean no header at all.
    client_headers = dict(client.headers)
    client.headers.pop("Authorization", None)
    try:
        return client.request(method, path, json=body, headers=headers)
    finally:
        client.headers.update(client_headers)


@pytest.mark.parametrize(("method", "path", "body"), V1_ROUTES)
def test_every_v1_route_needs_a_known_key(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    for key in (None, "fdk_" + "x" * 43, ""):
        problem = assert_problem(call(client, method, path, body, key), 401)
        assert problem["type"].endswith("/unauthorized")
    response = call(client, method, path, body, None)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_address_guessing_keys_is_throttled_and_counted(client: TestClient) -> None:
    """Before: 600 wrong keys in 1 s were 600 answers of 401, counted nowhere."""
    valid = new_key(client, "desk", Scope.VERIFY)
    claim = {"claim": "Putin signed the deal."}
    for guess in range(20):  # FACTDESK_FAILED_AUTH_LIMIT: 20/minute
        assert_problem(call(client, "POST", "/v1/verify", claim, f"fdk_guess{guess:039d}"), 401)
    throttled = call(client, "POST", "/v1/verify", claim, "fdk_" + "y" * 43)
    assert_problem(throttled, 429)
    assert 0 < int(throttled.headers["Retry-After"]) <= 72
    # The right key learns nothing from this address either, until the failures slide out.
    assert_problem(call(client, "POST", "/v1/verify", claim, valid), 429)
    assert_problem(call(client, "POST", "/v1/verify", claim, None), 401)  # no key: no guess
    metrics = client.get("/metrics").text
    assert 'factdesk_auth_failures_total{reason="unknown"} 20.0' in metrics
    assert 'factdesk_auth_failures_total{reason="throttled"} 2.0' in metrics
    assert 'factdesk_auth_failures_total{reason="missing"} 1.0' in metrics


def test_scopes_and_who_sees_which_query(client: TestClient) -> None:
    verifier = new_key(client, "verifier", Scope.VERIFY)
    reader = new_key(client, "desk", Scope.VERIFY, Scope.READ)
    other = new_key(client, "other-desk", Scope.VERIFY, Scope.READ)
    claim = {"claim": "Putin signed the deal."}
    assert call(client, "POST", "/v1/verify", claim, verifier).status_code == 200
    problem = assert_problem(call(client, "GET", "/v1/queries", None, verifier), 403)
    assert "'read'" in problem["detail"]
    assert_problem(call(client, "GET", "/v1/documents", None, verifier), 403)

    mine = call(client, "POST", "/v1/verify", claim, reader).json()["id"]
    theirs = call(client, "POST", "/v1/verify", claim, other).json()["id"]
    listed = call(client, "GET", "/v1/queries", None, reader).json()["items"]
    assert [item["id"] for item in listed] == [mine]
    assert call(client, "GET", f"/v1/queries/{mine}", None, reader).status_code == 200
    assert_problem(call(client, "GET", f"/v1/queries/{theirs}", None, reader), 404)
    everything = client.get("/v1/queries").json()["items"]  # the fixture's admin key
    assert {mine, theirs} <= {item["id"] for item in everything}
    assert len(everything) == 3


def test_a_revoked_key_is_refused(client: TestClient) -> None:
    key = new_key(client, "leaked", Scope.VERIFY)
    claim = {"claim": "Putin signed the deal."}
    assert call(client, "POST", "/v1/verify", claim, key).status_code == 200
    runtime_of(client).keys.revoke("leaked")
    assert (
        "revoked" in assert_problem(call(client, "POST", "/v1/verify", claim, key), 401)["detail"]
    )


def test_the_sixth_request_in_a_minute_of_a_5_per_minute_key_is_429(client: TestClient) -> None:
    key = new_key(client, "slow-bot", Scope.VERIFY, rate_limit="5/minute")
    claim = {"claim": "Putin signed the deal."}
    assert [call(client, "POST", "/v1/verify", claim, key).status_code for _ in range(5)] == [
        200
    ] * 5
    refused = call(client, "POST", "/v1/verify", claim, key)
    assert_problem(refused, 429)
    # The sliding window frees room once the five requests' window has slid 1/5 of the way
    # out of it: at most 60 s (the rest of this minute) + 12 s, if they came at its start.
    assert 1 <= int(refused.headers["retry-after"]) <= 72
    assert (
        'factdesk_refused_requests_total{reason="rate-limited"} 1.0' in client.get("/metrics").text
    )
    # other keys are not slowed by it
    assert client.post("/v1/verify", json=claim).status_code == 200


def test_a_batch_of_20_claims_gives_20_answers_and_20_audit_rows(client: TestClient) -> None:
    claims = [{"claim": f"Putin signed deal number {i}."} for i in range(20)]
    results = client.post("/v1/verify/batch", json={"claims": claims}).json()["results"]
    answers = [r["answer"] for r in results]
    assert [a["claim"] for a in answers] == [c["claim"] for c in claims]
    audited = client.get("/v1/queries", params={"limit": 100}).json()["items"]
    assert sorted(item["id"] for item in audited) == sorted(a["id"] for a in answers)


def test_one_bad_claim_in_a_batch_is_its_own_problem(client: TestClient) -> None:
    claims = [{"claim": f"Putin signed deal number {i}."} for i in range(19)]
    claims.insert(7, {"claim": "😀😀😀"})
    response = client.post("/v1/verify/batch", json={"claims": claims})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 20
    assert results[7]["answer"] is None
    assert results[7]["problem"]["type"].endswith("/not-a-claim")
    assert results[7]["problem"]["errors"][0]["field"] == "body.claims.7.claim"
    answers = [r["answer"] for r in results if r["answer"] is not None]
    assert [a["claim"] for a in answers] == [c["claim"] for c in claims if "😀" not in c["claim"]]
    audited = client.get("/v1/queries", params={"limit": 100}).json()["items"]
    assert {a["id"] for a in answers} == {item["id"] for item in audited}
    assert len(audited) == 19
    # each answer's took_ms is its own time, not the request's
    assert all(0 < a["took_ms"] <= response.json()["took_ms"] for a in answers)


def test_batch_size_is_bounded_and_each_claim_counts_against_the_rate(client: TestClient) -> None:
    too_many = [{"claim": "Putin signed the deal."}] * 33
    problem = assert_problem(client.post("/v1/verify/batch", json={"claims": too_many}), 422)
    assert problem["errors"][0]["field"] == "body.claims"
    assert_problem(client.post("/v1/verify/batch", json={"claims": []}), 422)
    key = new_key(client, "batch-bot", Scope.VERIFY, rate_limit="5/minute")
    four = {"claims": [{"claim": "Putin signed the deal."}] * 4}
    assert call(client, "POST", "/v1/verify/batch", four, key).status_code == 200
    assert_problem(call(client, "POST", "/v1/verify/batch", four, key), 429)


def test_a_batch_larger_than_the_keys_whole_limit_is_refused_not_told_to_wait(
    client: TestClient,
) -> None:
    # Before: 429 with Retry-After 113 s for 6 claims on a 5/minute key, forever.
    key = new_key(client, "small-bot", Scope.VERIFY, rate_limit="5/minute")
    six = {"claims": [{"claim": "Putin signed the deal."}] * 6}
    refused = call(client, "POST", "/v1/verify/batch", six, key)
    problem = assert_problem(refused, 422)
    assert problem["errors"][0]["field"] == "body.claims"
    assert "at most 5 claims per batch" in problem["detail"]
    assert "Retry-After" not in refused.headers
    # The refused request counted one, as any request does; the four left still fit.
    four = {"claims": [{"claim": "Putin signed the deal."}] * 4}
    assert call(client, "POST", "/v1/verify/batch", four, key).status_code == 200


def _chain(client: TestClient) -> Any:
    return runtime_of(client).audit.verify_chain()


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE reviews SET verdict = 'SUPPORTED', agrees = :no WHERE id = :review",
        "UPDATE reviews SET note = 'Signed after all.' WHERE id = :review",
        "UPDATE queries SET language = 'fr' WHERE id = :query",
        "UPDATE queries SET index_version = 99 WHERE id = :query",
    ],
)
def test_reviews_language_and_version_are_in_the_chain(client: TestClient, edit: str) -> None:
    """Before: an SQL edit of a review flipped the published ClaimReview's rating, and the
    chain still said intact; so did an edit of the language or the corpus version."""
    query = client.post("/v1/verify", json={"claim": "Putin signed the deal."}).json()["id"]
    override = {"verdict": "REFUTED", "note": "Not signed."}
    review = client.post(f"/v1/queries/{query}/reviews", json=override).json()["id"]
    client.post("/v1/verify", json={"claim": "Xi visited Moscow in 2023."})
    report = _chain(client)
    assert report.intact, report.problem
    assert report.records == 3  # the review is the second link
    with runtime_of(client).engine.begin() as connection:
        connection.execute(text(edit), {"review": review, "query": query, "no": False})
    broken = _chain(client)
    assert not broken.intact
    edited = review if "reviews" in edit else query
    assert f"{edited} (sequence {2 if 'reviews' in edit else 1}) was changed" in (
        broken.problem or ""
    )


def test_the_audit_chain_holds_and_an_sql_update_of_one_verdict_breaks_it(
    client: TestClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = [
        client.post("/v1/verify", json={"claim": f"Putin signed deal {i}."}).json()["id"]
        for i in range(4)
    ]
    report = _chain(client)
    assert report.intact
    assert report.records == 4
    engine = runtime_of(client).engine
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE queries SET verdict = 'REFUTED', confidence = 0.99 WHERE id = :id"),
            {"id": ids[2]},
        )
    broken = _chain(client)
    assert not broken.intact
    assert f"record {ids[2]} (sequence 3) was changed" in (broken.problem or "")
    # and as the operator sees it
    monkeypatch.setenv("FACTDESK_DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN after 2 intact records: record {ids[2]}" in capsys.readouterr().out


@pytest.mark.parametrize(("which", "message"), [(1, "sequence 2 missing"), (3, "the head says")])
def test_deleting_a_record_breaks_the_chain(client: TestClient, which: int, message: str) -> None:
    ids = [
        client.post("/v1/verify", json={"claim": f"Putin signed deal {i}."}).json()["id"]
        for i in range(4)
    ]
    with runtime_of(client).engine.begin() as connection:
        connection.execute(text("DELETE FROM queries WHERE id = :id"), {"id": ids[which]})
    assert message in (_chain(client).problem or "")


@pytest.mark.parametrize(
    "params",
    [
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
        {"until": "0.5"},
        {"since": "1700000000"},
        {"cursor": "MjAyNC0wNS0xNlQwMDowMDowMCswMDowMHwA"},  # a NUL in the id part
        {"cursor": "MDAwMS0wMS0wMVQwMDowMDowMCsxNDowMHx4"},  # year 1 at +14:00
    ],
)
def test_hostile_query_parameters_are_422(client: TestClient, params: dict[str, str]) -> None:
    problem = assert_problem(client.get("/v1/queries", params=params), 422)
    assert problem["errors"][0]["field"] == f"query.{next(iter(params))}"


def test_an_empty_cursor_is_the_first_page(client: TestClient) -> None:
    client.post("/v1/verify", json={"claim": "Putin signed the deal."})
    assert len(client.get("/v1/queries", params={"cursor": ""}).json()["items"]) == 1


@pytest.mark.parametrize("top_k", [True, "5", 5.0])
def test_top_k_must_be_a_json_integer(client: TestClient, top_k: Any) -> None:
    payload = {"claim": "Putin signed the deal.", "top_k": top_k}
    assert_problem(client.post("/v1/verify", json=payload), 422)


def test_nul_bytes_are_a_4xx_not_a_database_error(client: TestClient) -> None:
    problem = assert_problem(client.post("/v1/verify", json={"claim": "Putin\x00 signed it."}), 422)
    assert problem["errors"][0]["field"] == "body.claim"
    assert_problem(client.get("/v1/queries/abc%00def"), 404)
    assert client.get("/readyz").status_code == 200


def test_method_not_allowed_says_what_is_and_head_is_answered(client: TestClient) -> None:
    response = client.delete("/v1/verify")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
    head = client.head("/healthz")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(client.get("/healthz").content))


def test_a_body_that_is_not_utf8_is_a_422_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/verify", content=b'{"claim": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert assert_problem(response, 422)["errors"][0]["field"].startswith("body")


def test_security_headers_and_no_cors_by_default(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "access-control-allow-origin" not in response.headers
    assert "server" not in response.headers
    assert "script-src 'self'" in client.get("/docs").headers["content-security-policy"]


def test_an_unknown_host_is_refused(client: TestClient) -> None:
    problem = assert_problem(client.get("/healthz", headers={"Host": "rebind.evil.example"}), 400)
    assert "FACTDESK_ALLOWED_HOSTS" in problem["detail"]
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "[::1]:8000"}).status_code == 200


def test_readiness_proves_the_audit_trail_is_writable(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200
    with runtime_of(client).engine.begin() as connection:
        connection.execute(text("DROP TABLE audit_head"))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] is False


def test_metrics_count_routes_verdicts_and_the_index(client: TestClient) -> None:
    client.post("/v1/verify", json={"claim": "Putin signed the deal."})
    client.get(f"/v1/queries/{uuid.uuid4()}")
    text_format = client.get("/metrics").text
    assert (
        'factdesk_http_requests_total{method="POST",route="/v1/verify",status="200"} 1.0'
        in text_format
    )
    assert 'route="/v1/queries/{query_id}",status="404"' in text_format
    assert "factdesk_verdicts_total{verdict=" in text_format
    assert "factdesk_model_batch_size_count 1.0" in text_format
    assert "factdesk_verify_queue_depth 0.0" in text_format
    assert "factdesk_index_info{" in text_format
    assert "factdesk_audit_write_failures_total 0.0" in text_format


@pytest.fixture
def open_client(
    tmp_path: Path, fake_index_dir: Path, stance: FakeStanceModel
) -> Iterator[TestClient]:
    settings = fake_settings(
        audit=AuditSettings(database_url=f"sqlite:///{tmp_path / 'a.db'}"),
        auth="off",
        cors_origins="https://newsroom.example",
        min_relevance=0.0,
    )
    app = create_app(settings, pipeline_factory=fake_pipeline_factory(fake_index_dir, stance))
    with TestClient(app, base_url=LOCAL) as test_client:
        yield test_client


def test_auth_off_needs_no_key_and_cors_allows_the_configured_origin(
    open_client: TestClient,
) -> None:
    answer = open_client.post("/v1/verify", json={"claim": "Putin signed the deal."})
    assert answer.status_code == 200
    record = open_client.get(f"/v1/queries/{answer.json()['id']}").json()
    assert record["key_id"] is None
    allowed = open_client.get("/healthz", headers={"Origin": "https://newsroom.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://newsroom.example"
    other = open_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_a_body_that_never_arrives_is_408() -> None:
    sent: list[dict[str, Any]] = []

    async def app(*_: Any) -> None:
        raise AssertionError("the app must not be reached")

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"{}"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    middleware = RequestContextMiddleware(app, 1024, 0.05, ["localhost"])
    scope = {
        "type": "http", "method": "POST", "path": "/v1/verify", "query_string": b"",
        "headers": [(b"host", b"localhost")], "root_path": "", "scheme": "http",
        "server": ("localhost", 80),
    }  # fmt: skip
    asyncio.run(middleware(scope, receive, send))
    assert sent[0]["status"] == 408


def test_memory_rate_limiter_slides_across_window_boundaries() -> None:
    now = [1000.0]  # 40 s into its minute
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    for _ in range(3):
        limiter.charge("k", 1, 3, 60)
    with pytest.raises(RateLimitedError) as refused:
        limiter.charge("k", 1, 3, 60)
    # Room comes back once a third of the 3 slides out: 20 s into the next minute.
    assert refused.value.retry_after_s == 40
    limiter.charge("other", 1, 3, 60)
    now[0] = 1020.5  # the next minute has begun, but the last minute's 3 still count
    with pytest.raises(RateLimitedError) as again:
        limiter.charge("k", 1, 3, 60)
    assert again.value.retry_after_s == 20
    now[0] = 1040.0  # a third of the previous minute has slid out
    limiter.charge("k", 1, 3, 60)
    with pytest.raises(RateLimitedError):
        limiter.charge("k", 1, 3, 60)


@pytest.mark.parametrize(
    ("previous", "current", "cost", "into", "expected"),
    [
        (0, 0, 5, 0.0, None),  # a batch of exactly the limit fits an empty window
        (0, 0, 6, 0.0, 60.0),  # a batch over the limit never fits
        (4, 0, 4, 0.0, 45.0),  # wait for 3 of the previous 4 to slide out
        (4, 0, 1, 30.0, None),  # half of 4 slid out: 2 + 1 fits 5
        (0, 5, 1, 10.0, 62.0),  # full now: the next minute, once a fifth of 5 slid out
    ],
)
def test_wait_for_room_follows_the_sliding_window(
    previous: int, current: int, cost: int, into: float, expected: float | None
) -> None:
    wait = wait_for_room(previous, current, cost, 5, into, 60)
    assert wait == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("limit", [1, 3, 5, 60])
def test_retry_after_is_at_most_a_window_and_a_limits_share_of_it(limit: int) -> None:
    """What the README promises: a refused single request waits at most window × (1 + 1/limit)
    (80 s for 3/minute, 72 s for 5/minute), which can be longer than the window."""
    bound = 60 * (1 + 1 / limit)
    worst = 0.0
    for previous in range(limit + 1):
        for current in range(limit + 1):
            for tenth in range(600):
                wait = wait_for_room(previous, current, 1, limit, tenth / 10, 60)
                worst = max(worst, wait or 0.0)
    assert worst == pytest.approx(bound, abs=0.1)


def test_redis_rate_limiter_is_shared_between_replicas() -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis answers at 127.0.0.1:6379")
    client = f"test-{uuid.uuid4()}"
    first, second = RedisRateLimiter(url), RedisRateLimiter(url)
    assert first.wait(client, 3, 60) is None
    first.charge(client, 2, 3, 60)
    second.charge(client, 1, 3, 60)
    waited = second.wait(client, 3, 60)  # what the other replica counted, read not charged
    assert waited is not None
    assert waited > 0
    with pytest.raises(RateLimitedError):
        first.charge(client, 1, 3, 60)
    # an unreachable Redis lets requests through (and logs it) rather than refusing them all
    RedisRateLimiter("redis://127.0.0.1:1/0").charge(client, 100, 3, 60)


def test_settings_reject_a_malformed_rate() -> None:
    with pytest.raises(ValueError, match="N/minute"):
        Settings(security={"default_rate_limit": "lots"})


def test_an_unknown_query_parameter_is_422_not_ignored(client: TestClient) -> None:
    problem = assert_problem(client.get("/v1/queries", params={"verdit": "REFUTED"}), 422)
    assert problem["errors"][0]["field"] == "query.verdit"
    assert client.get("/v1/queries", params={"verdict": "REFUTED"}).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_deleted_sqlite_file_takes_no_more_answers(client: TestClient, database_url: str) -> None:
    assert client.post("/v1/verify", json={"claim": "Putin signed the deal."}).status_code == 200
    path = Path(database_url.split("///", 1)[1])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    # Pooled connections still hold the deleted file open; an answer committed there is lost.
    assert_problem(client.post("/v1/verify", json={"claim": "Putin signed it again."}), 503)
    assert client.get("/readyz").status_code == 503


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_recreated_postgresql_database_is_not_ready(
    client: TestClient, database_url: str
) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_ADMIN_URL

    assert client.post("/v1/verify", json={"claim": "Putin signed the deal."}).status_code == 200
    name = make_url(database_url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    # Migrations run at start only: the empty database has no tables, and readiness says so.
    assert client.get("/readyz").status_code == 503
    assert_problem(client.post("/v1/verify", json={"claim": "Putin signed it again."}), 503)
