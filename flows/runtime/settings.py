"""The one settings object: [tool.factledger] in pyproject.toml, overridden by FACTLEDGER_<NAME>.

A typed model (pydantic-settings, `extra="forbid"`): a misspelt key in [tool.factledger], or a
value of the wrong type there or in a FACTLEDGER_<NAME> variable, is a SettingsError naming the
file or the variable, the key, what was found and what was expected. `Settings(...)` reads the
same sources, its arguments first; tests pass the directories they use.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
)

from flows.model_errors import did_you_mean, expected

REPO_ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = REPO_ROOT / "pyproject.toml"
ENV_PREFIX = "FACTLEDGER_"
TABLE = "[tool.factledger]"

# The pyproject.toml that Settings() reads. pydantic-settings builds its sources inside
# __init__, with no argument to name the file: load_settings(pyproject) sets this around one
# construction (a context variable, so that threads and tasks never see each other's file).
_pyproject: ContextVar[Path] = ContextVar("pyproject", default=PYPROJECT)


class SettingsError(ValueError):
    """A setting cannot be used; the message names where it was set, found and expected."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        pyproject_toml_table_header=("tool", "factledger"),
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,  # each field's docstring is its description
    )

    raw_dir: Path = Path("data/raw")
    """Input: documents/, manifest.csv and claims/. Opened read-only."""

    curated_dir: Path = Path("data/curated")
    """Output: the warehouse, the published database, Parquet and reports."""

    catalogue_dir: Path = REPO_ROOT / "catalogue"
    """Metric, entity and extraction-rule catalogue (YAML data files); a relative path is
    relative to the project, not to the working directory."""

    max_document_bytes: int = 5_000_000
    """A document file larger than this is rejected (recorded in the audit, not loaded)."""

    duckdb_memory_limit: str = "1GB"
    """DuckDB's memory cap for the warehouse (it spills to disk beyond it)."""

    lock_wait_seconds: float = 600.0
    """How long a run waits for another run on the same curated directory before giving up
    (exit 2). Two runs never interleave on the same data."""

    publications_kept: int = Field(default=2, ge=1)
    """How many publications data/curated/publications/ keeps: the current one and those
    before it (never fewer than 2: the previous one stays for readers who opened it before
    the swap)."""

    @field_validator("catalogue_dir")
    @classmethod
    def _relative_to_the_project(cls, value: Path) -> Path:
        return value if value.is_absolute() else REPO_ROOT / value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then FACTLEDGER_<NAME>, then pyproject.toml; no .env or secrets files."""
        pyproject = PyprojectTomlConfigSettingsSource(settings_cls, _pyproject.get())
        return init_settings, env_settings, pyproject

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
        return self.with_(
            raw_dir=self.raw_dir.resolve(),
            curated_dir=self.curated_dir.resolve(),
            catalogue_dir=self.catalogue_dir.resolve(),
        )

    def with_(self, **changes: object) -> Settings:
        """These settings with the changes that are not None, validated like the others
        (model_validate reads no environment or file: only what it is given)."""
        update = {name: value for name, value in changes.items() if value is not None}
        return type(self).model_validate({**self.model_dump(), **update})


def load_settings(pyproject: Path = PYPROJECT) -> Settings:
    """Settings from pyproject.toml's [tool.factledger], overridden by FACTLEDGER_<NAME>."""
    token = _pyproject.set(pyproject)
    try:
        return Settings()
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{pyproject}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise SettingsError(_describe(exc, pyproject)) from None
    finally:
        _pyproject.reset(token)


def _describe(exc: ValidationError, pyproject: Path) -> str:
    """The first error, where it was set (the variable wins over the file), found, expected."""
    error = exc.errors(include_url=False)[0]
    key = str(error["loc"][0]) if error["loc"] else "?"
    known = list(Settings.model_fields)
    in_file = f"{pyproject}: {TABLE} key {key!r}"
    if error["type"] == "extra_forbidden":
        return (
            f"{in_file}: found an unknown key{did_you_mean(key, known)}; "
            f"expected one of {', '.join(known)}"
        )
    variable = _variable_setting(key)
    where = f"{variable} (setting {key!r})" if variable else in_file
    return f"{where}: found {error['input']!r}; expected {expected(error)}"


def _variable_setting(key: str) -> str | None:
    """The FACTLEDGER_<KEY> variable that sets `key`, as spelt in the environment (pydantic-
    settings matches the name in any case), or None."""
    wanted = f"{ENV_PREFIX}{key}".upper()
    return next((name for name in os.environ if name.upper() == wanted), None)
