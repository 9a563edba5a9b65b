"""Preflight (issue 15): a mistake in the input or configuration of `factledger run` exits 2
with one message naming the file, the row or key, what was found and what was expected, no
traceback, and before Prefect, GX, Dask or the temporary server start."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.runtime.preflight import PreflightError, check

REPO = Path(__file__).resolve().parents[1]
FACTLEDGER = str(Path(sys.executable).with_name("factledger"))
# What a mistake must not wait for: each takes seconds to import or start.
HEAVY = ("prefect", "great_expectations", "distributed", "dask", "pandera")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data" / "raw", tmp_path / "raw")
    return tmp_path / "raw"


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    started = time.perf_counter()
    done = subprocess.run(
        [FACTLEDGER, "run", "--curated", str(tmp_path / "curated"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            **(env or {}),
        },
    )
    return done, time.perf_counter() - started


def _assert_refused(tmp_path: Path, done, elapsed: float, *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("factledger: ") and done.stderr.count("\n") == 1, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert not (tmp_path / "curated").exists()  # nothing started, nothing written


def _edit_manifest(raw: Path, old: str, new: str) -> None:
    path = raw / "manifest.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_wrong_raw_path_is_refused_at_once(tmp_path: Path) -> None:
    done, elapsed = _run(tmp_path, "--raw", str(tmp_path / "nowhere"))
    _assert_refused(
        tmp_path, done, elapsed, str(tmp_path / "nowhere"), "found nothing", "expected a directory"
    )


def test_a_missing_manifest_is_refused_at_once(tmp_path: Path, raw: Path) -> None:
    (raw / "manifest.csv").unlink()
    done, elapsed = _run(tmp_path, "--raw", str(raw))
    _assert_refused(
        tmp_path, done, elapsed, f"{raw / 'manifest.csv'}: manifest not found", "expected a CSV"
    )


SEED = "000_de9a64f3e51e5133.txt"
# (what is edited in the seeds' manifest, into what, and what the refusal must say)
MANIFEST_MISTAKES = {
    "column typo": (
        "file,published_at,", "file,publshed_at,",
        ("{manifest}", "missing required column(s) published_at", "header is file, publshed_at"),
    ),
    "bad date": (
        "2025-06-24", "2025-13-24",
        ("{manifest} row 1 (line 2), column 'published_at' of " + SEED
         + ": found '2025-13-24'; expected an ISO date (YYYY-MM-DD).",),
    ),
    "date after the run": (
        "2025-06-24", "2099-06-24",
        ("{manifest} row 1 (line 2), column 'published_at' of " + SEED
         + ": found '2099-06-24'; expected a date no later than ",),
    ),
    "a cell too many": (
        "smart Drives Forward Global Expansion", "smart Drives, Forward",
        ("{manifest} row 1 (line 2) of " + SEED
         + ": found 7 cells; expected 6, one per column of the header",),
    ),
    "unknown column": (
        ",url,entity", ",url,entitty",
        ("{manifest}: unknown column 'entitty' (did you mean 'entity'?)",),
    ),
    "path outside documents": (
        SEED, "../manifest.csv", ("row 1 (line 2):", "leads outside documents/"),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "said"), MANIFEST_MISTAKES.values(), ids=list(MANIFEST_MISTAKES)
)
def test_a_manifest_mistake_is_refused_at_once_with_its_place(
    tmp_path: Path, raw: Path, old: str, new: str, said: tuple[str, ...]
) -> None:
    _edit_manifest(raw, old, new)
    done, elapsed = _run(tmp_path, "--raw", str(raw))
    manifest = str(raw / "manifest.csv")
    _assert_refused(tmp_path, done, elapsed, *(s.format(manifest=manifest) for s in said))


def test_a_duplicate_row_is_refused_with_both_rows(tmp_path: Path, raw: Path) -> None:
    path = raw / "manifest.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    done, elapsed = _run(tmp_path, "--raw", str(raw))
    _assert_refused(
        tmp_path,
        done,
        elapsed,
        "manifest.csv row 4 (line 5) lists 000_de9a64f3e51e5133.txt again (first on row 1)",
    )


def test_a_catalogue_typo_is_refused_with_file_and_key(tmp_path: Path, raw: Path) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(REPO / "catalogue", catalogue)
    metrics = catalogue / "metrics.yaml"
    metrics.write_text(metrics.read_text().replace("    unit: markets\n", "    unti: markets\n", 1))
    done, elapsed = _run(
        tmp_path, "--raw", str(raw), env={"FACTLEDGER_CATALOGUE_DIR": str(catalogue)}
    )
    _assert_refused(tmp_path, done, elapsed, f"{metrics}:", "'markets_count'", "'unit'", "expected")


def test_a_settings_typo_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.factledger]\nlock_wait_secnds = 5\n")
    with pytest.raises(PreflightError, match=r"'lock_wait_secnds'.*'lock_wait_seconds'"):
        check(REPO / "data" / "raw", tmp_path / "curated", pyproject=pyproject)


def test_a_wrong_type_in_pyproject_is_refused_naming_the_file(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.factledger]\nmax_document_bytes = "5MB"\n')
    with pytest.raises(PreflightError) as raised:
        check(REPO / "data" / "raw", tmp_path / "curated", pyproject=pyproject)
    assert str(raised.value) == (
        f"{pyproject}: [tool.factledger] key 'max_document_bytes': found '5MB'; "
        "expected a whole number"
    )


def test_a_check_catalogue_mistake_is_refused(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    shutil.copytree(REPO / "checks", checks)
    catalogue = checks / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text().replace("severity: warn", "severity: warning", 1))
    with pytest.raises(PreflightError, match=r"catalogue\.yaml: check '.*': severity must be"):
        check(REPO / "data" / "raw", tmp_path / "curated", checks_dir=checks)


def test_a_bad_exceptions_entry_is_refused_naming_the_entry(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    shutil.copytree(REPO / "checks", checks)
    (checks / "exceptions.yaml").write_text(
        "exceptions:\n  - {check: x, claim_ids: 5, reason: r, reviewer: me, date: 2026-11-20}\n"
    )
    with pytest.raises(PreflightError) as raised:
        check(REPO / "data" / "raw", tmp_path / "curated", checks_dir=checks)
    assert str(raised.value) == (
        f"{checks / 'exceptions.yaml'}: exception #1 (check 'x'), key 'claim_ids': found 5; "
        "expected a list"
    )


def test_the_bundled_input_passes(tmp_path: Path) -> None:
    settings = check(REPO / "data" / "raw", tmp_path / "curated")
    assert settings.raw_dir == (REPO / "data" / "raw").resolve()
    assert not (tmp_path / "curated").exists()


def test_a_mistake_imports_none_of_the_machinery(tmp_path: Path) -> None:
    """Refused by cmd_run itself, before GX's warm-up, Prefect, the server or Dask."""
    script = (
        "import sys; from flows.cli import main; "
        f"code = main(['run', '--raw', {str(tmp_path / 'nowhere')!r}]); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd=REPO
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("LOCK_WAIT_SECONDS", "ten", "a number"), ("MAX_DOCUMENT_BYTES", "5MB", "a whole number")],
)
def test_a_bad_setting_in_the_environment_is_refused(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    done, elapsed = _run(tmp_path, env={f"FACTLEDGER_{name}": value})
    _assert_refused(
        tmp_path,
        done,
        elapsed,
        f"FACTLEDGER_{name} (setting",
        f"found {value!r}; expected {expected}",
    )


def test_a_curated_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(PreflightError, match=r"curated directory .*taken.* is a file"):
        check(REPO / "data" / "raw", tmp_path / "taken" / "curated")


def test_serve_refuses_a_mistake_before_registering_anything(tmp_path: Path) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [FACTLEDGER, "serve", "--raw", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "p")},
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"factledger: raw directory {tmp_path / 'nowhere'}: ")
    assert "Traceback" not in done.stderr
    assert time.perf_counter() - started < 5
