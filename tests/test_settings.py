"""Settings: pyproject.toml's [tool.factledger], overridden by FACTLEDGER_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import REPO_ROOT, Settings, load_settings


def test_defaults_come_from_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAW_DIR", "CURATED_DIR", "CATALOGUE_DIR", "MAX_DOCUMENT_BYTES"):
        monkeypatch.delenv(f"FACTLEDGER_{name}", raising=False)
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


def test_with_ignores_unset_values() -> None:
    settings = Settings().with_(raw_dir=None, curated_dir=Path("/x"))
    assert settings.raw_dir == Path("data/raw")
    assert settings.curated_dir == Path("/x")


def test_a_bad_number_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTLEDGER_MAX_DOCUMENT_BYTES", "lots")
    with pytest.raises(ValueError, match=r"FACTLEDGER_MAX_DOCUMENT_BYTES.*lots"):
        load_settings()
