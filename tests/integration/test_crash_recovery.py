"""A real `factledger run`, killed with SIGKILL at each stage boundary: the next run publishes
exactly what a clean run publishes, marks the dead run abandoned, and nothing of the dead run
(its Prefect server, its GX judge) outlives it.

Each run is the CLI in a process of its own, on the bundled seeds, against one `prefect server
start` shared by the module (the temporary server's own death is tested last)."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.pause import PAUSE_ENV
from tests.integration.prefect_server import PrefectServer, prefect_env, running_prefect_server

REPO = Path(__file__).resolve().parents[2]
FACTLEDGER = Path(sys.executable).parent / "factledger"
RUN_TIMEOUT = 300
CURATED_TABLES = ("claims", "events", "documents", "metric_timeline", "footprint")
# The ends of the stages, in order, and the points inside publish around the swap.
BOUNDARIES = (
    "ingested",
    "extracted",
    "loaded",
    "validated",
    "publishing",
    "built",
    "reported",
    "ready",
    "swapped",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    with running_prefect_server(tmp_path_factory.mktemp("prefect")) as running:
        yield running


def copy_seeds(target: Path) -> Path:
    raw = target / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return raw


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


def run_to_the_end(raw: Path, curated: Path, env: dict[str, str]) -> None:
    process = start_run(raw, curated, env)
    out, err = process.communicate(timeout=RUN_TIMEOUT)
    assert process.returncode == 0, f"exit {process.returncode}\n{out}\n{err[-3000:]}"


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


@pytest.fixture(scope="module")
def clean(server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a run that nobody kills publishes."""
    home = tmp_path_factory.mktemp("clean")
    curated = home / "curated"
    run_to_the_end(copy_seeds(home), curated, server.env())
    return published(curated)


@pytest.mark.parametrize("point", BOUNDARIES)
def test_a_run_killed_at_a_stage_boundary_is_recovered_by_the_next(
    point: str, server: PrefectServer, clean: dict, tmp_path: Path
) -> None:
    raw, curated = copy_seeds(tmp_path), tmp_path / "curated"
    process = start_run(raw, curated, {**server.env(), PAUSE_ENV: point})
    wait_for_pause(process, point)
    process.kill()  # SIGKILL, to the run alone: what it started must die with it
    process.wait(timeout=30)
    assert group_is_gone(process.pid, within_seconds=20), "a process of the killed run lives on"

    run_to_the_end(raw, curated, server.env())
    assert published(curated) == clean
    # the dead run's record: completed if its publication went live, else abandoned
    assert run_statuses(curated) == [
        "completed" if point == "swapped" else "abandoned",
        "completed",
    ]
    versions = sorted(p.name for p in (curated / "publications").iterdir())
    assert (curated / "current").resolve().name == versions[-1]
    assert len(versions) == (2 if point == "swapped" else 1)  # nothing unfinished is left


def test_the_temporary_prefect_server_dies_with_its_run(tmp_path: Path) -> None:
    """No Prefect API configured: `factledger run` starts its own server; kill -9 the run."""
    raw, curated = copy_seeds(tmp_path), tmp_path / "curated"
    home = tmp_path / "prefect-home"
    home.mkdir()
    process = start_run(raw, curated, {**prefect_env(home), PAUSE_ENV: "ingested"})
    wait_for_pause(process, "ingested")  # the flow run is going: the server is up
    servers = [pid for pid in children_of(process.pid) if b"server\0start" in cmdline(pid)]
    assert servers, "no temporary server was started"
    process.kill()
    process.wait(timeout=30)
    assert group_is_gone(process.pid, within_seconds=20), "the temporary server outlived its run"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
