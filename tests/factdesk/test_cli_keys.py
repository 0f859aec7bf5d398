"""`factdesk keys` and `factdesk audit` as an operator runs them, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from factdesk.cli import main


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("FACTDESK_DATABASE_URL", url)
    return url


def test_create_prints_the_key_last_and_list_never_shows_it(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--name", "desk", "--scopes", "verify,read"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("fdk_")
    assert len(key) > 40
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "desk" in listing
    assert "read,verify" in listing
    assert key not in listing
    engine = create_engine(database)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
    engine.dispose()
    assert key not in stored  # only its hash
    assert main(["keys", "revoke", "desk"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", "x", "--scopes", "write"],
            "unknown scope write; use verify, read and/or admin",
        ),
        (["--name", "x", "--scopes", "verify", "--rate-limit", "fast"], "is not N/second"),
    ],
)
def test_a_bad_key_request_is_one_line_saying_the_fix(
    database: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert database
    assert main(["keys", "create", *args]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert message in error


def test_a_duplicate_name_and_an_unknown_key_are_errors(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert database
    assert main(["keys", "create", "--name", "bot", "--scopes", "verify"]) == 0
    assert main(["keys", "create", "--name", "bot", "--scopes", "verify"]) == 2
    assert "a key named 'bot' exists" in capsys.readouterr().err
    assert main(["keys", "revoke", "nobody"]) == 2
    assert "'nobody' not found" in capsys.readouterr().err


def test_audit_verify_on_an_empty_trail_and_head(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert database
    assert main(["audit", "verify"]) == 0
    assert "audit chain intact: 0 records" in capsys.readouterr().out
    assert main(["audit", "head"]) == 0
    assert capsys.readouterr().out.strip() == "0 " + "0" * 64
