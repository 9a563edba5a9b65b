"""Read the check catalogue and the reviewed exceptions (data files under checks/) into records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from flows.catalogue import read_yaml_mapping
from flows.model_errors import did_you_mean, expected

ENGINES = ("pandera", "sql", "gx")
SEVERITIES = ("error", "warn")


class CheckCatalogueError(ValueError):
    """A checks/ data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    description: str
    engine: str  # pandera | sql | gx
    severity: str  # error | warn
    table: str  # the table it guards

    def sql_path(self, checks_dir: Path) -> Path:
        return checks_dir / "sql" / f"assert_{self.id}.sql"


def _claim_id_as_text(value: object) -> object:
    """YAML reads an id of digits only as a number, and one of digits 0-7 with a leading zero
    as octal: only a quoted id is surely the id that was written."""
    if not isinstance(value, str):
        raise PydanticCustomError(
            "claim_id_type", "a claim id as text (quote one made of digits only)"
        )
    return value


ClaimId = Annotated[str, BeforeValidator(_claim_id_as_text)]


class ReviewedException(BaseModel):
    """One entry of checks/exceptions.yaml (its header says what each key means), by the
    file's key names; `check_id`, `reviewed_on` in code."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    check_id: str = Field(alias="check", min_length=1)
    claim_ids: tuple[ClaimId, ...] = Field(min_length=1)  # sorted: a violation matches in any order
    reason: str = Field(min_length=1)
    reviewer: str = Field(min_length=1)
    reviewed_on: date = Field(alias="date")

    @field_validator("claim_ids")
    @classmethod
    def _sorted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(value))


class ExceptionsFile(BaseModel):
    """checks/exceptions.yaml: reviewed exceptions (a missing file or `exceptions:` alone:
    none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exceptions: tuple[ReviewedException, ...] = ()

    @field_validator("exceptions", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return () if value is None else value


def load_check_catalogue(checks_dir: Path) -> list[CheckSpec]:
    """The checks of checks_dir/catalogue.yaml, in file order; SQL checks must have their file."""
    path = checks_dir / "catalogue.yaml"
    specs: list[CheckSpec] = []
    for number, entry in enumerate(
        read_yaml_mapping(path, CheckCatalogueError).get("checks") or [], start=1
    ):
        try:
            spec = CheckSpec(
                id=str(entry["id"]),
                description=" ".join(str(entry["description"]).split()),
                engine=str(entry["engine"]),
                severity=str(entry["severity"]),
                table=str(entry["table"]),
            )
        except (KeyError, TypeError) as exc:
            raise CheckCatalogueError(f"{path}: check #{number}: missing {exc}") from exc
        if spec.engine not in ENGINES:
            raise CheckCatalogueError(f"{path}: check {spec.id!r}: engine must be one of {ENGINES}")
        if spec.severity not in SEVERITIES:
            raise CheckCatalogueError(
                f"{path}: check {spec.id!r}: severity must be one of {SEVERITIES}"
            )
        if spec.engine == "sql" and not spec.sql_path(checks_dir).is_file():
            raise CheckCatalogueError(
                f"{path}: check {spec.id!r}: no query at {spec.sql_path(checks_dir)}"
            )
        if any(s.id == spec.id for s in specs):
            raise CheckCatalogueError(f"{path}: check id {spec.id!r} appears twice")
        specs.append(spec)
    return specs


def load_exceptions(path: Path) -> list[ReviewedException]:
    """Reviewed exceptions from a YAML file (a missing file means none); a bad entry is a
    CheckCatalogueError naming the file, the entry, the key, found and expected."""
    if not path.exists():
        return []
    data = read_yaml_mapping(path, CheckCatalogueError)
    try:
        return list(ExceptionsFile.model_validate(data).exceptions)
    except ValidationError as exc:
        raise CheckCatalogueError(_describe_exception_error(path, data, exc)) from None


def _describe_exception_error(path: Path, data: dict, exc: ValidationError) -> str:
    """The first error as file, entry, key, found and expected; a misspelt key first, as it
    also explains the key then found missing."""
    errors = exc.errors(include_url=False)
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] == "exceptions" and isinstance(loc[1], int):
        entries = data.get("exceptions") or []
        entry = entries[loc[1]] if loc[1] < len(entries) else None
        check = entry.get("check") if isinstance(entry, dict) else None
        where = f"exception #{loc[1] + 1}" + (f" (check {check!r})" if check else "")
        model, keys = ReviewedException, loc[2:]
    else:
        where, model, keys = "top level", ExceptionsFile, loc
    if not keys:
        return f"{path}: {where}: found {error['input']!r}; expected {expected(error)}"
    key = ".".join(str(k) for k in keys)
    prefix = f"{path}: {where}, key {key!r}"
    if error["type"] == "extra_forbidden":
        known = [f.alias or name for name, f in model.model_fields.items()]
        return (
            f"{prefix}: found an unknown key{did_you_mean(key, known)}; "
            f"expected one of {', '.join(known)}"
        )
    if error["type"] == "missing":
        return f"{prefix}: found nothing; expected a value (the key is required)"
    return f"{prefix}: found {error['input']!r}; expected {expected(error)}"
