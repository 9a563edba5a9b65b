"""The one settings object: read from [tool.factledger] in pyproject.toml, then FACTLEDGER_* env."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = Path("data/raw")
    """Input: documents/, manifest.csv and claims/. Opened read-only."""

    curated_dir: Path = Path("data/curated")
    """Output: the warehouse, the published database, Parquet and reports."""

    catalogue_dir: Path = REPO_ROOT / "catalogue"
    """Metric, entity and extraction-rule catalogue (YAML data files)."""

    max_document_bytes: int = 5_000_000
    """A document file larger than this is rejected (recorded in the audit, not loaded)."""

    duckdb_memory_limit: str = "1GB"
    """DuckDB's memory cap for the warehouse (it spills to disk beyond it)."""

    lock_wait_seconds: float = 600.0
    """How long a run waits for another run on the same curated directory before giving up
    (exit 2). Two runs never interleave on the same data."""

    publications_kept: int = 2
    """How many publications data/curated/publications/ keeps: the current one and those
    before it (at least 2: the previous one stays for readers who opened it before the swap)."""

    run_id: str | None = field(default=None)
    """Set by the pipeline for each run; None outside a run."""

    @property
    def documents_dir(self) -> Path:
        return self.raw_dir / "documents"

    @property
    def manifest_path(self) -> Path:
        return self.raw_dir / "manifest.csv"

    @property
    def claims_dir(self) -> Path:
        return self.raw_dir / "claims"

    @property
    def gx_docs_dir(self) -> Path:
        """GX's Data Docs of the latest validate run (each run renders them afresh)."""
        return self.curated_dir / "gx"

    @property
    def warehouse_path(self) -> Path:
        """The working DuckDB (raw, staging, audit, quarantine); never read by analysts."""
        return self.curated_dir / "warehouse.duckdb"

    def resolved(self) -> Settings:
        """The same settings with absolute directories (runs must not depend on the cwd)."""
        return replace(
            self,
            raw_dir=self.raw_dir.resolve(),
            curated_dir=self.curated_dir.resolve(),
            catalogue_dir=self.catalogue_dir.resolve(),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, value: object) -> object:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if "Path" in str(kind):
        return Path(str(value))
    for word, convert, expected in (("float", float, "a number"), ("int", int, "a whole number")):
        if word in str(kind):
            try:
                return convert(value)  # type: ignore[operator]
            except (TypeError, ValueError):
                raise ValueError(
                    f"setting {name} (FACTLEDGER_{name.upper()}): expected {expected}, "
                    f"got {value!r}"
                ) from None
    return value


def load_settings(pyproject: Path = REPO_ROOT / "pyproject.toml") -> Settings:
    """Settings from pyproject.toml's [tool.factledger], overridden by FACTLEDGER_<FIELD>."""
    values: dict[str, object] = {}
    if pyproject.exists():
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("factledger", {})
        values.update({k: v for k, v in table.items() if k in _field_names()})
    for name in _field_names():
        env = os.environ.get(f"FACTLEDGER_{name.upper()}")
        if env is not None:
            values[name] = env
    settings = Settings(**{k: _coerce(k, v) for k, v in values.items()})
    # Relative catalogue paths are relative to the project, not to the working directory.
    if not settings.catalogue_dir.is_absolute():
        settings = replace(settings, catalogue_dir=REPO_ROOT / settings.catalogue_dir)
    return settings


def _field_names() -> list[str]:
    return [f.name for f in fields(Settings) if f.name != "run_id"]
