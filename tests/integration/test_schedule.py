"""Scheduled runs against a real Prefect server on loopback, as in production.

A Prefect server (tests/integration/prefect_server.py) is started once for the module.
`factledger serve` (flows.runtime.schedule.serve_pipeline) runs in another subprocess and registers
the deployment with its cron schedule; a run is triggered through the API and must complete,
with the warehouse written, the database published and the report attached to the run as an
artifact. (prefect.yaml, the same deployment for a work pool: test_work_pool.py.)
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.runtime.schedule import DEFAULT_CRON, deployment_full_name, deployment_parameters
from tests.integration.prefect_server import (
    BIN,
    REPO,
    RUN_TIMEOUT,
    SERVER_START_TIMEOUT,
    PrefectServer,
    api,
    log_tail,
    running_prefect_server,
    stop,
)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    with running_prefect_server(tmp_path_factory.mktemp("prefect-server-home")) as server:
        yield server


def wait_for_deployment(server: PrefectServer, name: str, watched: subprocess.Popen, log: Path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if watched.poll() is not None:
            pytest.fail(f"serve exited with {watched.returncode}:\n{log_tail(log)}")
        found = api(
            server,
            f"""
            from prefect.exceptions import ObjectNotFound
            try:
                d = await client.read_deployment_by_name({name!r})
                result = d.model_dump(mode="json")
            except ObjectNotFound:
                pass
            """,
        )
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"deployment {name} not registered in time:\n{log_tail(log)}")


@pytest.fixture(scope="module")
def served(prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory):
    """`factledger serve` (serve_pipeline) running in a subprocess, on a copy of the seeds."""
    work = tmp_path_factory.mktemp("served")
    raw, curated = work / "raw", work / "curated"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    log = work / "serve.log"
    env = prefect_server.env()
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"  # pick a triggered run up within a second
    with log.open("wb") as out:
        # cwd elsewhere: the deployment's parameters must not depend on serve's directory.
        serve = subprocess.Popen(
            [BIN / "factledger", "serve", "--cron", DEFAULT_CRON, "--raw", str(raw),
             "--curated", str(curated)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=work, start_new_session=True,
        )  # fmt: skip
    try:
        deployment = wait_for_deployment(prefect_server, deployment_full_name(), serve, log)
        yield deployment, raw, curated, log
    finally:
        stop(serve)


def test_the_server_starts_on_loopback(prefect_server: PrefectServer) -> None:
    assert prefect_server.url.startswith("http://127.0.0.1:")
    assert prefect_server.started_in_seconds < SERVER_START_TIMEOUT


def test_serve_registers_the_deployment_with_its_cron_schedule(served) -> None:
    deployment, raw, curated, _ = served
    assert deployment["parameters"] == deployment_parameters(raw, curated)
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == DEFAULT_CRON
    assert schedule["active"] is True


def test_a_run_triggered_through_the_api_completes_and_fills_the_warehouse(
    prefect_server: PrefectServer, served
) -> None:
    _, raw, curated, log = served
    run = api(
        prefect_server,
        f"""
        from prefect.deployments import run_deployment
        flow_run = await run_deployment(
            {deployment_full_name()!r}, client=client, timeout={RUN_TIMEOUT - 30},
            poll_interval=1, as_subflow=False,
        )
        result = {{"id": str(flow_run.id), "state": flow_run.state.type.value,
                  "message": flow_run.state.message, "name": flow_run.name}}
        """,
    )
    assert run["state"] == "COMPLETED", f"{run}\n{log_tail(log)}"
    assert run["name"] == f"factledger {raw}"
    warehouse = curated / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.documents").fetchone() == (3,)
        runs = con.execute("select status, documents_new from audit.runs").fetchall()
        runs_published = con.execute("select run_id from audit.runs").fetchall()
    assert runs == [("completed", 3)]
    task_runs = api(
        prefect_server,
        f"""
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[{run["id"]!r}]))
        )
        result = sorted((t.name, t.state.type.value) for t in runs)
        """,
    )
    names = {name for name, _ in task_runs}
    run_id = runs_published[0][0]
    (version,) = (curated / "publications").iterdir()
    assert names == {
        f"ingest {raw}",
        "extract batch 1 of 1",
        f"load run {run_id}",
        f"validate run {run_id}",
        f"publish {curated}",
        f"report run {run_id}",
        f"make {version.name} current",
    }
    assert all(state == "COMPLETED" for _, state in task_runs), task_runs
    published = curated / "factledger.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from curated.claims").fetchone()[0] > 0
        assert con.execute("select status from audit.runs").fetchall() == [("completed",)]
    artifacts = api(
        prefect_server,
        f"""
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[{run["id"]!r}]))
        )
        result = sorted((a.key, a.type, a.data) for a in found)
        """,
    )
    report = [data for key, kind, data in artifacts if key == "factledger-report"]
    assert report and report[0], artifacts  # the run's Markdown summary, in the UI
