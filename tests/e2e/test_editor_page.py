"""The editor page in a real browser: Debian's chromium, headless, driven by Playwright,
against `factdesk serve` with the real models, real FAISS and a real database. Screenshots
are kept in test-artifacts/ (CI keeps that folder)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.server import Server
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import create_key, factdesk_cli

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser_page() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 412, "height": 915})  # a phone
        yield page
        browser.close()


def _signed_in(
    page: Any, tmp_path: Path, server_factory: Callable[[str], Server]
) -> tuple[str, str, Server]:
    """A server over a new audit database, and the editor page open with an editor's key
    entered; the database's URL, the key and the server."""
    database = f"sqlite:///{tmp_path / 'audit.db'}"
    key = create_key(database, "editor", "verify,read")
    server = server_factory(database)
    server.start()
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server.url + "/")
    page.get_by_label("Your API key").fill(key)
    page.get_by_label("Your API key").press("Tab")  # change event: kept for next time
    return database, key, server


def test_an_editor_checks_a_claim_and_reviews_it(
    tmp_path: Path,
    server_factory: Callable[[str], Server],
    browser_page: object,
    real_index_dir: Path,
) -> None:
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    database, key, server = _signed_in(page, tmp_path, server_factory)
    page.get_by_label("Claim").fill("Power of Siberia 2 was agreed.")
    page.get_by_label("Claim").press("Enter")  # the keyboard is enough
    expect(page.locator("#verdict")).to_have_text("REFUTED", timeout=60_000)
    # which claim this answers, on the answer itself
    expect(page.locator("#answered-claim")).to_have_text("“Power of Siberia 2 was agreed.”")
    expect(page.locator("#citations li").first).to_be_visible()
    # the evidence that decides says its stance; the rest is context and says none
    expect(page.locator("#citations .decisive").first).to_be_visible()
    for source in page.locator("#context .source").all_inner_texts():
        assert not source.lower().startswith(("refutes", "supports")), source
    highlighted = page.locator("#citations mark").first
    expect(highlighted).to_contain_text("Power of Siberia 2")
    # the evidence sits inside its paragraph, not alone
    quote = page.locator("#citations blockquote").first.inner_text()
    assert len(quote) > len(highlighted.inner_text())
    page.screenshot(path=str(ARTIFACTS / "editor-answer.png"), full_page=True)

    page.get_by_label("Override with").check()
    page.get_by_label("Verdict that stands").select_option("NOT_ENOUGH_INFO")
    page.get_by_label("Note").fill("Reported as under negotiation only.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#reviews li").first).to_contain_text(
        "Overridden: NOT_ENOUGH_INFO by editor — Reported as under negotiation only."
    )
    # the badge and the recent list show the verdict that stands, the machine's beside it
    expect(page.locator("#verdict")).to_have_text("NOT_ENOUGH_INFO")
    expect(page.locator("#machine-verdict")).to_contain_text("factdesk answered REFUTED")
    page.screenshot(path=str(ARTIFACTS / "editor-reviewed.png"), full_page=True)

    recent = page.locator("#recent li").first
    expect(recent).to_contain_text("Power of Siberia 2 was agreed.")
    expect(recent).to_contain_text("NOT_ENOUGH_INFO (reviewed; factdesk: REFUTED)")
    records = httpx.get(
        server.url + "/v1/queries", headers={"Authorization": f"Bearer {key}"}
    ).json()["items"]
    record = httpx.get(
        f"{server.url}/v1/queries/{records[0]['id']}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert [(r["verdict"], r["note"]) for r in record["reviews"]] == [
        ("NOT_ENOUGH_INFO", "Reported as under negotiation only.")
    ]

    # the review is data: a labelled claims file to measure factdesk on
    reviewed = tmp_path / "reviewed.jsonl"
    evaluated = factdesk_cli(
        database, "eval", "claims", "--from-reviews", str(reviewed),
        env={"FACTDESK_INDEX_DIR": str(real_index_dir)},
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    assert "1 reviewed claims (1 overridden)" in evaluated.stdout
    assert "accuracy=0.0000" in evaluated.stdout  # factdesk said REFUTED, the editor NEI
    row = json.loads(reviewed.read_text(encoding="utf-8"))
    assert (row["claim"], row["label"], row["answered"]) == (
        "Power of Siberia 2 was agreed.", "NOT_ENOUGH_INFO", "REFUTED"
    )  # fmt: skip

    # an answer that needs an editor says why, and waits at the top of the review queue
    # until one reviews it; the reviewed claim above is no longer waiting
    page.get_by_label("Claim").fill("The Eiffel Tower is in Paris.")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_have_text("NOT_ENOUGH_INFO", timeout=60_000)
    expect(page.locator("#review-advice")).to_have_text(
        "Needs an editor before use: factdesk gave no verdict."
    )
    expect(page.locator("#queue li").first).to_contain_text("The Eiffel Tower is in Paris.")
    expect(page.locator("#queue li").first).to_contain_text("needs review")
    expect(page.locator("#queue")).not_to_contain_text("Power of Siberia 2")
    page.screenshot(path=str(ARTIFACTS / "editor-needs-review.png"), full_page=True)
    page.get_by_label("Agree").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#review-advice")).to_have_text("Reviewed by an editor.")
    expect(page.locator("#queue li").first).to_have_text("Nothing waiting.")

    # a bad key is said in words on the page, not a blank screen
    page.get_by_label("Your API key").fill("fdk_wrong")
    page.get_by_label("Claim").fill("Putin visited Harbin.")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown or has been revoked")
    # and the previous claim's verdict is not left on screen as if it were this one's
    expect(page.locator("#answer")).to_be_hidden()


def test_an_editor_checks_a_draft_and_sees_earlier_checks(
    tmp_path: Path, server_factory: Callable[[str], Server], browser_page: object
) -> None:
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    _signed_in(page, tmp_path, server_factory)

    page.get_by_text("Check a draft").click()
    page.get_by_label("Draft (paste the text").fill(
        "Putin and Xi signed a joint statement in Beijing.\n\n"
        "Russia's trade with China rose 60 percent compared with before the war. "
        "Thank you for reading."
    )
    page.get_by_role("button", name="Check draft").click()
    expect(page.locator("#draft-summary")).to_contain_text(
        "3 sentences, 2 check-worthy", timeout=90_000
    )
    marked = page.locator("#draft-sentences [role=button]")
    expect(marked).to_have_count(2)
    expect(page.locator("#draft-sentences")).to_contain_text("Thank you for reading.")
    page.screenshot(path=str(ARTIFACTS / "editor-draft.png"), full_page=True)
    marked.first.focus()
    page.keyboard.press("Enter")  # its evidence, as for a claim checked alone
    expect(page.locator("#answered-claim")).to_have_text(
        "“Putin and Xi signed a joint statement in Beijing.”"
    )
    expect(page.locator("#verdict")).to_have_text("SUPPORTED")
    expect(page.locator("#citations li").first).to_be_visible()
    page.get_by_label("Agree").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#review-advice")).to_have_text("Reviewed by an editor.")

    # a paraphrase of the reviewed claim shows the desk's earlier check beside the answer
    page.get_by_label("Claim").fill("In Beijing, Xi and Putin signed a joint statement.")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#earlier li").first).to_contain_text(
        "Putin and Xi signed a joint statement in Beijing.", timeout=60_000
    )
    expect(page.locator("#earlier li").first).to_contain_text("SUPPORTED by editor")

    # an uploaded file is checked the same way
    upload = tmp_path / "draft.txt"
    upload.write_text("Putin and Xi signed a joint statement in Beijing.", encoding="utf-8")
    page.locator("#draft-file").set_input_files(str(upload))
    page.get_by_role("button", name="Check draft").click()
    expect(page.locator("#draft-summary")).to_contain_text(
        "1 sentences, 1 check-worthy", timeout=60_000
    )
