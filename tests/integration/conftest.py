"""Integration tests: real Prefect flow runs (under Prefect's test harness) on real DuckDB files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def seed_raw(tmp_path: Path) -> Path:
    """A writable copy of the bundled data/raw (the seed corpus and its manifest)."""
    return copy_seeds(tmp_path)


def copy_seeds(target: Path) -> Path:
    """A writable copy of the bundled data/raw under `target`."""
    raw = target / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return raw
