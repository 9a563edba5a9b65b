"""Settings: pyproject.toml's [tool.factledger], overridden by FACTLEDGER_* variables, read
into one typed model: a misspelt key or a wrong type names the file or variable, the key, what
was found and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.runtime.settings import REPO_ROOT, Settings, SettingsError, load_settings

SETTINGS = ("RAW_DIR", "CURATED_DIR", "CATALOGUE_DIR", "MAX_DOCUMENT_BYTES", "LOCK_WAIT_SECONDS")


@pytest.fixture(autouse=True)
def no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(f"FACTLEDGER_{name}", raising=False)


def pyproject(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[project]\nname = 'x'\n\n[tool.factledger]\n{table}\n")
    return path


def test_defaults_come_from_pyproject() -> None:
    settings = load_settings()
    assert settings.raw_dir == Path("data/raw")
    assert settings.max_document_bytes == 5_000_000
    assert settings.catalogue_dir == REPO_ROOT / "catalogue"
    assert settings.warehouse_path == Path("data/curated/warehouse.duckdb")


def test_environment_overrides_pyproject(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FACTLEDGER_CURATED_DIR", str(tmp_path))
    monkeypatch.setenv("FACTLEDGER_MAX_DOCUMENT_BYTES", "1234")
    settings = load_settings()
    assert settings.curated_dir == tmp_path
    assert settings.max_document_bytes == 1234


def test_a_relative_catalogue_dir_is_relative_to_the_project(tmp_path: Path) -> None:
    settings = load_settings(pyproject(tmp_path, 'catalogue_dir = "elsewhere/catalogue"'))
    assert settings.catalogue_dir == REPO_ROOT / "elsewhere" / "catalogue"


def test_with_ignores_unset_values() -> None:
    settings = Settings().with_(raw_dir=None, curated_dir=Path("/x"))
    assert settings.raw_dir == Path("data/raw")
    assert settings.curated_dir == Path("/x")


def test_with_refuses_a_name_that_is_not_a_setting() -> None:
    with pytest.raises(ValueError, match="raw_dri"):
        Settings().with_(raw_dri=Path("/x"))


def test_resolved_makes_every_directory_absolute() -> None:
    settings = Settings(raw_dir=Path("r"), curated_dir=Path("c")).resolved()
    assert settings.raw_dir == Path("r").resolve()
    assert settings.curated_dir == Path("c").resolve()


def test_every_setting_has_a_docstring() -> None:
    undocumented = [name for name, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_a_bad_number_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACTLEDGER_MAX_DOCUMENT_BYTES", "lots")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == (
        "FACTLEDGER_MAX_DOCUMENT_BYTES (setting 'max_document_bytes'): found 'lots'; "
        "expected a whole number"
    )


def test_a_misspelt_key_in_pyproject_names_the_file_and_the_known_keys(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "lock_wait_secnds = 5")
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: [tool.factledger] key 'lock_wait_secnds': ")
    assert "found an unknown key (did you mean 'lock_wait_seconds'?)" in message
    assert "expected one of raw_dir, curated_dir, catalogue_dir," in message


@pytest.mark.parametrize(
    ("line", "key", "found", "expected"),
    [
        ('max_document_bytes = "5MB"', "max_document_bytes", "'5MB'", "a whole number"),
        ('lock_wait_seconds = "ten"', "lock_wait_seconds", "'ten'", "a number"),
        ("raw_dir = 5", "raw_dir", "5", "a path (text)"),
        ("duckdb_memory_limit = 1", "duckdb_memory_limit", "1", "a valid string"),
    ],
)
def test_a_wrong_type_in_pyproject_names_the_file_the_key_found_and_expected(
    tmp_path: Path, line: str, key: str, found: str, expected: str
) -> None:
    path = pyproject(tmp_path, line)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value) == (
        f"{path}: [tool.factledger] key {key!r}: found {found}; expected {expected}"
    )


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "raw_dir = ")
    with pytest.raises(SettingsError, match=rf"{path}: not valid TOML"):
        load_settings(path)
