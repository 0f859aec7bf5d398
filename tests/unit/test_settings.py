from pathlib import Path

import pytest
from pydantic import ValidationError

from factdesk.settings import Settings
from factdesk.settings_doc import settings_table, with_table
from tests.conftest import REPO_ROOT


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTDESK_DEFAULT_TOP_K", "7")
    monkeypatch.setenv("FACTDESK_STANCE_MODEL", "some/hub-model")
    settings = Settings()
    assert settings.default_top_k == 7 and settings.stance_model == "some/hub-model"
    monkeypatch.setenv("FACTDESK_DEFAULT_TOP_K", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_readme_configuration_table_is_generated_from_settings() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_table(readme), "run `python -m factdesk.settings_doc`"
    for name in Settings.model_fields:
        assert f"`FACTDESK_{name.upper()}`" in settings_table()


def test_every_setting_is_described() -> None:
    assert all(field.description for field in Settings.model_fields.values())
    assert Path(REPO_ROOT / "README.md").exists()
