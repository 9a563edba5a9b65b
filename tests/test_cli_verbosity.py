"""Quiet by default, loud on request (issue 15): `factledger run` prints its summary and verdict;
-v adds the flow's own log, -vv Prefect's; a traceback only for a bug, with a line saying so."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FACTLEDGER = str(Path(sys.executable).with_name("factledger"))
SUMMARY_STARTS = ("run ", "documents: ", "ledger: ", "check ", "database: ", "report:   ")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """The bundled corpus run at each verbosity, one after the other on the same directories."""
    tmp = tmp_path_factory.mktemp("verbosity")
    shutil.copytree(REPO / "data" / "raw", tmp / "raw")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "PREFECT_HOME": str(tmp / "prefect")}
    done = {}
    for flags in ("", "-v", "-vv"):
        command = [FACTLEDGER, "run", "--raw", str(tmp / "raw"), "--curated", str(tmp / "cur")]
        done[flags] = subprocess.run(
            [*command, *flags.split()], capture_output=True, text=True, timeout=300, env=env
        )
        assert done[flags].returncode == 0, done[flags].stderr
    return done


@pytest.mark.integration
def test_by_default_only_the_summary_and_the_verdict(runs) -> None:
    done = runs[""]
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("verdict: OK: ")
    assert all(line.startswith(SUMMARY_STARTS) for line in lines[:-1]), lines


@pytest.mark.integration
def test_v_adds_the_flows_own_log_only(runs) -> None:
    err = runs["-v"].stderr
    assert "GX Data Docs: " in err  # logged by the flow (flows/pipeline.py)
    assert "check segment_equals_total (warn): 1 violation(s)" in err
    assert "Beginning flow run" not in err  # Prefect's own
    assert "Finished in state" not in err
    assert runs["-v"].stdout.splitlines()[-1].startswith("verdict: OK: ")


@pytest.mark.integration
def test_vv_adds_prefects_log(runs) -> None:
    err = runs["-vv"].stderr
    assert "Beginning flow run" in err
    assert "Task run 'ingest " in err and "Finished in state Completed()" in err
    assert "GX Data Docs: " in err


def _run_with_a_pipeline_that_raises(tmp_path: Path, error: str):
    """`factledger run` whose flow raises `error`, as the CLI would meet it."""
    script = f"""
import sys
import flows.pipeline

class _Flow:
    def with_options(self, **_):
        return self
    def __call__(self, **_):
        raise {error}

flows.pipeline.pipeline = _Flow()
from flows.cli import main
sys.exit(main(["run", "--curated", {str(tmp_path / "cur")!r}]))
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "p")}
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )


def test_a_bug_shows_its_traceback_and_says_it_is_a_bug(tmp_path: Path) -> None:
    done = _run_with_a_pipeline_that_raises(tmp_path, "ZeroDivisionError('oops')")
    assert done.returncode == 2
    assert "Traceback (most recent call last)" in done.stderr
    assert "ZeroDivisionError: oops" in done.stderr
    assert (
        done.stderr.rstrip()
        .splitlines()[-1]
        .startswith("factledger: run failed: this is a bug in factledger")
    )


def test_a_failure_the_machine_causes_is_one_line(tmp_path: Path) -> None:
    done = _run_with_a_pipeline_that_raises(tmp_path, "OSError(28, 'No space left on device')")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "factledger: run failed: OSError: [Errno 28] No space left on device"
    )


@pytest.mark.integration
def test_a_run_waiting_for_another_says_so_by_default(tmp_path: Path) -> None:
    from flows.runtime.runlock import pipeline_lock

    shutil.copytree(REPO / "data" / "raw", tmp_path / "raw")
    curated = tmp_path / "cur"
    curated.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "FACTLEDGER_LOCK_WAIT_SECONDS": "1",
    }
    command = [FACTLEDGER, "run", "--raw", str(tmp_path / "raw"), "--curated", str(curated)]
    with pipeline_lock(curated, 0, run_id="holder-run"):
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 2
    assert "waiting up to 1 s for the run that holds " in done.stderr
    assert "run holder-run" in done.stderr
    assert "LockHolder(" not in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("factledger: another factledger run")


@pytest.mark.integration
def test_dask_workers_are_quiet_by_default_too(tmp_path: Path) -> None:
    shutil.copytree(REPO / "data" / "raw", tmp_path / "raw")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "p")}
    command = [FACTLEDGER, "run", "--raw", str(tmp_path / "raw"), "--curated", str(tmp_path / "c")]
    done = subprocess.run(
        [*command, "--task-runner", "dask"], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not the workers' "Task run 'extract batch 1 of 2' - Finished"
    assert done.stdout.splitlines()[-1].startswith("verdict: OK: ")


@pytest.mark.integration
def test_the_verdict_says_how_many_inputs_were_rejected_and_where(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    with (raw / "manifest.csv").open("a") as manifest:
        manifest.write("gone.txt,2025-01-01,Gone,Nobody,,smart\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "p")}
    command = [FACTLEDGER, "run", "--raw", str(raw), "--curated", str(tmp_path / "c")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "gone.txt is listed in manifest.csv but not in documents/" in done.stderr
    verdict = done.stdout.splitlines()[-1]
    assert verdict.startswith("verdict: OK: ")
    assert " 1 input rejected: see 'Rejected inputs' in " in verdict
    assert verdict.endswith("index.html (rejections in report.json)")
