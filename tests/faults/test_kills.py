"""A real `factledger run`, killed with SIGKILL at each stage boundary: the next run publishes
exactly what a clean run publishes, marks the dead run abandoned, and nothing of the dead run
(its Prefect server, its GX judge) outlives it.

Each run is the CLI in a process of its own, on the bundled seeds, against one `prefect server
start` shared by the suite (the temporary server's own death is tested last)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.runtime.pause import PAUSE_ENV
from tests.faults.runs import (
    group_is_gone,
    published,
    run_ok,
    run_statuses,
    start_run,
    wait_for_pause,
)
from tests.integration.conftest import copy_seeds
from tests.integration.prefect_server import PrefectServer, prefect_env

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
def clean(server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a run that nobody kills publishes."""
    home = tmp_path_factory.mktemp("clean")
    curated = home / "curated"
    run_ok(copy_seeds(home), curated, server.env())
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

    run_ok(raw, curated, server.env())
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
