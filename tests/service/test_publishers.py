"""Publisher trust weights: how much each publisher's evidence counts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.keys.repository import Scope
from tests.service.conftest import new_key
from tests.service.test_api import assert_problem

CLAIM = "Norway signed the charter of the Svalbard Arctic station."


@pytest.fixture
def polar(client: TestClient) -> TestClient:
    document = {"id": "polar", "text": f"{CLAIM} It did so in June.", "publisher": "Polar Desk"}
    assert client.post("/v1/documents", json=document).status_code == 201
    return client


def verify(client: TestClient) -> dict[str, Any]:
    answer = client.post("/v1/verify", json={"claim": CLAIM})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def decisive(answer: dict[str, Any]) -> list[str]:
    return [c["document_id"] for c in answer["citations"] if c["decisive"]]


def test_a_publisher_weighted_0_is_never_cited(polar: TestClient) -> None:
    assert verify(polar)["verdict"] == "SUPPORTED"
    assert decisive(verify(polar)) == ["polar"]
    set_weight = polar.put("/v1/publishers/weights/polar%20DESK", json={"weight": 0, "note": "x"})
    assert set_weight.status_code == 200, set_weight.text
    assert set_weight.json()["weight"] == 0.0
    answer = verify(polar)
    assert answer["verdict"] == "NOT_ENOUGH_INFO"
    assert "polar" not in [c["document_id"] for c in answer["citations"]]
    listed = polar.get("/v1/publishers/weights").json()["items"]
    assert [(w["publisher"], w["weight"]) for w in listed] == [("polar DESK", 0.0)]
    assert polar.delete("/v1/publishers/weights/Polar Desk").status_code == 204
    assert verify(polar)["verdict"] == "SUPPORTED"  # back to the default, at once
    assert_problem(polar.delete("/v1/publishers/weights/Polar Desk"), 404)


def test_a_half_trusted_publisher_alone_does_not_decide_a_trusted_one_does(
    polar: TestClient,
) -> None:
    assert polar.put("/v1/publishers/weights/Polar Desk", json={"weight": 0.3}).status_code == 200
    alone = verify(polar)
    assert alone["verdict"] == "NOT_ENOUGH_INFO"
    assert alone["reason"]["code"] == "judge_unsure"
    wire = {"id": "wire", "text": f"{CLAIM} Officials confirmed it.", "publisher": "Wire"}
    assert polar.post("/v1/documents", json=wire).status_code == 201
    trusted = verify(polar)
    assert trusted["verdict"] == "SUPPORTED"
    assert decisive(trusted) == ["wire"]


def test_only_admins_set_weights_and_bad_weights_are_422(polar: TestClient) -> None:
    reader = {"Authorization": f"Bearer {new_key(polar, 'reader', Scope.READ)}"}
    assert polar.get("/v1/publishers/weights", headers=reader).status_code == 200
    refused = polar.put("/v1/publishers/weights/Wire", json={"weight": 0}, headers=reader)
    assert_problem(refused, 403)
    for body in ({"weight": 1.5}, {"weight": -0.1}, {"weight": "x"}, {}, {"weight": 1, "y": 2},
                 {"weight": False}, {"weight": "0.5"}):  # fmt: skip
        assert_problem(polar.put("/v1/publishers/weights/Wire", json=body), 422)
    assert_problem(polar.put("/v1/publishers/weights/%20", json={"weight": 1}), 422)


def test_another_replica_follows_a_weight_within_its_poll(database_url: str) -> None:
    from service.database import make_engine, make_sessions, upgrade_database
    from service.publishers.service import PublisherWeights

    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        writer = PublisherWeights(make_sessions(engine), poll_s=0)
        follower = PublisherWeights(make_sessions(engine), poll_s=0.05)
        writer.start()
        follower.start()
        writer.set("Polar Desk", 0.25, None, None)
        deadline = time.monotonic() + 5
        while follower.current.weight("polar desk") != 0.25 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert follower.current.weight("POLAR  desk") == 0.25
        assert follower.current.weight("Wire") == 1.0
        follower.close()
    finally:
        engine.dispose()
