"""Read the check catalogue and the reviewed exceptions (data files under checks/) into records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.catalogue import read_yaml_mapping

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


@dataclass(frozen=True)
class ReviewedException:
    check_id: str
    claim_ids: tuple[str, ...]  # sorted, so a violation matches regardless of order
    reason: str
    reviewer: str
    reviewed_on: date


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
    """Reviewed exceptions from a YAML file (a missing file means none)."""
    if not path.exists():
        return []
    found = []
    for number, entry in enumerate(
        read_yaml_mapping(path, CheckCatalogueError).get("exceptions") or [], start=1
    ):
        try:
            reviewed_on = entry["date"]
            found.append(
                ReviewedException(
                    check_id=str(entry["check"]),
                    claim_ids=tuple(sorted(str(c) for c in entry["claim_ids"])),
                    reason=str(entry["reason"]),
                    reviewer=str(entry["reviewer"]),
                    reviewed_on=(
                        reviewed_on
                        if isinstance(reviewed_on, date)
                        else date.fromisoformat(str(reviewed_on))
                    ),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckCatalogueError(f"{path}: exception #{number}: missing or bad {exc}") from exc
    return found
