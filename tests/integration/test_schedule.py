"""Scheduled runs against a real Prefect server on loopback, as in production.

A `prefect server start` subprocess (its own PREFECT_HOME and SQLite database under tmp) is
started once for the module. `factledger serve` (flows.schedule.serve_pipeline) runs in another
subprocess and registers the deployment with its cron schedule; a run is triggered through the
API and must complete, with the warehouse written, the database published and the report
attached to the run as an artifact. prefect.yaml is deployed to the same server through
`prefect deploy`. Everything Prefect-side happens in subprocesses, so this module neither needs
nor disturbs the in-process test harness the other integration tests share.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.schedule import DEFAULT_CRON, deployment_full_name, deployment_parameters

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 180  # seconds; ~10 s idle, much more on a loaded 2-core machine
RUN_TIMEOUT = 300


@dataclass(frozen=True)
class PrefectServer:
    url: str  # the API URL, ending in /api
    home: Path
    started_in_seconds: float

    def env(self) -> dict[str, str]:
        """An environment for Prefect clients of this server, and nothing else."""
        return prefect_env(self.home, PREFECT_API_URL=self.url)


def prefect_env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(home),
        PREFECT_LOGGING_LEVEL="INFO",
        **settings,
    )
    return env


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], grace_seconds: float = 20) -> None:
    """SIGTERM the process group (server or serve and their children), then SIGKILL."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(
        home,
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    )
    log = home / "server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--analytics-off"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        while not healthy(url):
            if server.poll() is not None:
                pytest.fail(f"prefect server exited with {server.returncode}:\n{log_tail(log)}")
            if time.monotonic() - started > SERVER_START_TIMEOUT:
                pytest.fail(f"prefect server not healthy in {SERVER_START_TIMEOUT} s")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        print(f"prefect server start: healthy after {elapsed:.1f} s")
        yield PrefectServer(url=url, home=home, started_in_seconds=elapsed)
    finally:
        stop(server)


def api(server: PrefectServer, body: str, timeout: float = RUN_TIMEOUT) -> dict:
    """Run `body` (async code using `client`, setting `result`) against the server."""
    script = "import asyncio, json\nimport flows\nfrom prefect import get_client\n"
    script += "async def main():\n    async with get_client() as client:\n        result = None\n"
    script += textwrap.indent(textwrap.dedent(body), " " * 8)
    script += "\n        return result\nprint(json.dumps(asyncio.run(main()), default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=server.env(), capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    assert {"extract batch 1 of 1"} <= names
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


def test_prefect_yaml_deploys_the_same_deployment_to_a_work_pool(
    prefect_server: PrefectServer,
) -> None:
    env = prefect_server.env()
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"][0]
    pool = declared["work_pool"]["name"]
    commands = [
        ["work-pool", "create", pool, "--type", "process"],
        ["--no-prompt", "deploy", "-n", declared["name"]],
    ]
    for command in commands:
        done = subprocess.run(
            [BIN / "prefect", *command],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    deployment = api(
        prefect_server,
        f"""
        d = await client.read_deployment_by_name("pipeline/{declared["name"]}")
        result = d.model_dump(mode="json")
        """,
    )
    assert deployment["entrypoint"] == "flows/pipeline.py:pipeline"
    assert deployment["work_pool_name"] == pool
    assert deployment["parameters"] == {"raw_dir": "data/raw", "curated_dir": "data/curated"}
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == DEFAULT_CRON  # the same schedule as `serve`
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $FACTLEDGER_HOME }}"}}
    ]
