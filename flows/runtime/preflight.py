"""Preflight: the mistakes a run cannot get past, found before anything starts (issue 15).

`factledger run` calls `check` first, before GX's warm-up, Prefect, the temporary server or
Dask: the settings in pyproject.toml and FACTLEDGER_*, the directories, the manifest, the
catalogue and the check files. Each is read by the same function the run uses later (one way
to read each thing): `load_settings`, `flows.ingest.read_manifest`, `load_catalogue` and
`flows.extract.rules.load_rules`, `load_check_catalogue`, `load_exceptions`,
`load_resolution_rules`. The first mistake raises PreflightError, whose message names the
file, the row or key, what was found and what was expected; the CLI prints it and exits 2.

A manifest row that the run would only reject (a document listed but missing) is left to the
run, which records it in audit.rejections; a row that cannot be what its author meant (a date
that does not parse or lies after the run, a cell too many, a file listed twice, a path
leading outside documents/) stops here.
"""

from __future__ import annotations

import os
from pathlib import Path

from flows.runtime.settings import PYPROJECT, Settings, SettingsError, load_settings

# Manifest rows refused by read_manifest that are a mistake in the manifest itself.
MANIFEST_MISTAKES = (
    "path_outside_documents",
    "duplicate_manifest_row",
    "invalid_published_at",
    "future_published_at",
    "malformed_row",
)


class PreflightError(ValueError):
    """A mistake in the run's input or configuration; its message is for the user, whole."""


def check(
    raw: Path | None = None,
    curated: Path | None = None,
    pyproject: Path = PYPROJECT,
    checks_dir: Path | None = None,
) -> Settings:
    """The settings the run will use, once everything it reads before starting is sound."""
    settings = _settings(pyproject).with_(raw_dir=raw, curated_dir=curated).resolved()
    _directories(settings)
    _manifest(settings)
    _catalogue(settings)
    _checks(checks_dir)
    return settings


def _settings(pyproject: Path) -> Settings:
    try:
        return load_settings(pyproject)
    except SettingsError as exc:
        raise PreflightError(str(exc)) from None


def _directories(settings: Settings) -> None:
    raw = settings.raw_dir
    if not raw.is_dir():
        found = "a file" if raw.exists() else "nothing"
        raise PreflightError(
            f"raw directory {raw}: found {found}; expected a directory with documents/ and "
            "manifest.csv (--raw or FACTLEDGER_RAW_DIR)"
        )
    if not settings.documents_dir.is_dir():
        raise PreflightError(
            f"raw directory {raw}: no documents/ directory; expected documents/ and manifest.csv"
        )
    if not settings.manifest_path.is_file():
        raise PreflightError(
            f"{settings.manifest_path}: manifest not found; expected a CSV with one row per "
            "document (file, published_at, ...)"
        )
    curated = settings.curated_dir
    existing = curated
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise PreflightError(
            f"curated directory {curated}: {existing} is a file; expected a directory "
            "(--curated or FACTLEDGER_CURATED_DIR)"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError(
            f"curated directory {curated}: {existing} is not writable; expected a directory "
            "this user can write (--curated or FACTLEDGER_CURATED_DIR)"
        )


def _manifest(settings: Settings) -> None:
    from flows.ingest import IngestError, read_manifest

    try:
        manifest = read_manifest(settings.manifest_path, settings.documents_dir)
    except IngestError as exc:
        raise PreflightError(str(exc)) from None
    mistakes = [r for r in manifest.rejections if r.reason in MANIFEST_MISTAKES]
    if mistakes:
        first = mistakes[0]
        more = f" (and {len(mistakes) - 1} more row(s) like it)" if len(mistakes) > 1 else ""
        # Each detail starts "manifest.csv row N (line L)": here the file's whole path.
        where = first.detail.removeprefix("manifest.csv")
        raise PreflightError(f"{settings.manifest_path}{where}{more}")


def _catalogue(settings: Settings) -> None:
    from flows.catalogue import CatalogueError, load_catalogue
    from flows.extract.rules import load_rules

    if not settings.catalogue_dir.is_dir():
        raise PreflightError(
            f"catalogue directory {settings.catalogue_dir}: not found; expected metrics.yaml, "
            "entities.yaml and extraction.yaml (catalogue_dir setting)"
        )
    try:
        load_rules(load_catalogue(settings.catalogue_dir))
    except CatalogueError as exc:
        raise PreflightError(str(exc)) from None


def _checks(checks_dir: Path | None) -> None:
    from checks import CHECKS_DIR
    from checks.registry import CheckCatalogueError, load_check_catalogue, load_exceptions
    from flows.resolve.rules import ResolutionRulesError, load_resolution_rules

    directory = checks_dir or CHECKS_DIR
    try:
        load_check_catalogue(directory)
        load_exceptions(directory / "exceptions.yaml")
        load_resolution_rules(directory)
    except (CheckCatalogueError, ResolutionRulesError) as exc:
        raise PreflightError(str(exc)) from None
