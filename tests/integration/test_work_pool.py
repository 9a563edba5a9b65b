"""prefect.yaml: the pipeline's deployment for a work pool, as an operator uses it.

Its own Prefect server (tests/integration/prefect_server.py), not test_schedule.py's: there
`factledger serve` keeps polling for runs of the deployment of the same name, and would race a
work-pool worker for them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.runtime.schedule import DEFAULT_CRON
from tests.integration.prefect_server import (
    BIN,
    REPO,
    RUN_TIMEOUT,
    PrefectServer,
    api,
    log_tail,
    running_prefect_server,
)

DECLARED = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"][0]
POOL = DECLARED["work_pool"]["name"]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    with running_prefect_server(tmp_path_factory.mktemp("prefect-pool-home")) as server:
        yield server


def prefect(server: PrefectServer, *command: str, **env: str) -> None:
    done = subprocess.run(
        [BIN / "prefect", *command],
        env={**server.env(), **env}, cwd=REPO, capture_output=True, text=True,
        timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def deployed(prefect_server: PrefectServer) -> PrefectServer:
    prefect(prefect_server, "work-pool", "create", POOL, "--type", "process")
    prefect(prefect_server, "--no-prompt", "deploy", "-n", DECLARED["name"])
    return prefect_server


def test_prefect_yaml_deploys_the_same_deployment_to_a_work_pool(deployed: PrefectServer) -> None:
    deployment = api(
        deployed,
        f"""
        d = await client.read_deployment_by_name("pipeline/{DECLARED["name"]}")
        result = d.model_dump(mode="json")
        """,
    )
    assert deployment["entrypoint"] == "flows/pipeline.py:pipeline"
    assert deployment["work_pool_name"] == POOL
    assert deployment["parameters"] == {"raw_dir": "data/raw", "curated_dir": "data/curated"}
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == DEFAULT_CRON  # the same schedule as `serve`
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $FACTLEDGER_HOME }}"}}
    ]


def test_a_work_pool_worker_runs_the_deployment_in_factledger_home(
    deployed: PrefectServer, tmp_path: Path
) -> None:
    """A run triggered through the API; a process worker with FACTLEDGER_HOME set picks it up
    and runs it there, with the deployment's relative paths."""
    home = tmp_path / "factledger-home"  # a checkout: the code, and its own data/raw
    (home / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw", home / "data" / "raw")
    for path in (home / "data" / "raw").rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    for name in ("flows", "checks", "catalogue", "pyproject.toml"):
        (home / name).symlink_to(REPO / name)
    flow_run = api(
        deployed,
        f"""
        d = await client.read_deployment_by_name("pipeline/{DECLARED["name"]}")
        run = await client.create_flow_run_from_deployment(d.id)
        result = str(run.id)
        """,
    )
    log = tmp_path / "worker.log"
    env = {**deployed.env(), "FACTLEDGER_HOME": str(home)}
    with log.open("wb") as out:
        worker = subprocess.run(
            [BIN / "prefect", "worker", "start", "--pool", POOL, "--run-once"],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT,
        )  # fmt: skip
    assert worker.returncode == 0, log_tail(log)
    state = api(
        deployed,
        f"""
        run = await client.read_flow_run("{flow_run}")
        result = run.state.type.value
        """,
    )
    assert state == "COMPLETED", log_tail(log)
    published = home / "data" / "curated" / "factledger.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from curated.claims").fetchone()[0] == 14
        assert con.execute("select status from audit.runs").fetchall() == [("completed",)]
