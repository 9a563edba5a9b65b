"""Helpers of the fault suite: the real CLI on a copy of the seeds, in a process group of its
own, and what a run published."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
FACTLEDGER = Path(sys.executable).parent / "factledger"
RUN_TIMEOUT = 300
CURATED_TABLES = ("claims", "events", "documents", "metric_timeline", "footprint")


def start_run(raw: Path, curated: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FACTLEDGER, "run", "--raw", str(raw), "--curated", str(curated)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: what it leaves behind can be found
    )


def run_to_the_end(raw: Path, curated: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a whole run."""
    process = start_run(raw, curated, env)
    out, err = process.communicate(timeout=RUN_TIMEOUT)
    return process.returncode, out, err


def run_ok(raw: Path, curated: Path, env: dict[str, str]) -> str:
    code, out, err = run_to_the_end(raw, curated, env)
    assert code == 0, f"exit {code}\n{out}\n{err[-3000:]}"
    return out


def wait_for_pause(process: subprocess.Popen[str], point: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            seen.append(line)
            if f"factledger paused at {point}" in line:
                return
            if not line and process.poll() is not None:
                break
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"the run never paused at {point} (exit {process.poll()}):\n{''.join(seen)}")


def group_is_gone(pgid: int, within_seconds: float) -> bool:
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def published(curated: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(curated / "factledger.duckdb"), read_only=True) as con:
        return {
            name: con.execute(f"select * from curated.{name} order by all").fetchall()
            for name in CURATED_TABLES
        }


def run_statuses(curated: Path) -> list[str]:
    with duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select status from audit.runs order by started_at").fetchall()
        return [status for (status,) in rows]
