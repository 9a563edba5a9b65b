"""Scheduled runs: the `pipeline` flow served as a Prefect deployment with a cron schedule.

Two ways, one deployment (same name, schedule and parameters):

- on this machine: `serve_pipeline(...)` (`factledger serve --cron "0 6 * * *"`), a
  long-running process that registers the deployment and runs each flow run in a subprocess;
- on a work pool: `prefect.yaml` at the repository root (`prefect deploy -n factledger-scheduled`,
  then `prefect worker start --pool factledger`).

Both need a Prefect server that outlives a run (`prefect server start`, with PREFECT_API_URL
pointing at it): schedules live in the server, and Prefect's temporary server stops with the
process that started it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

DEPLOYMENT_NAME = "factledger-scheduled"
FLOW_NAME = "pipeline"  # the @flow name in flows/pipeline.py; deployments are "<flow>/<name>"
DEFAULT_CRON = "0 6 * * *"  # daily at 06:00 (server time zone: UTC unless PREFECT sets one)


def deployment_parameters(raw_dir: Path | str, curated_dir: Path | str) -> dict[str, str]:
    """The flow parameters a scheduled run gets: absolute paths, as JSON-ready strings.

    Absolute, because a scheduled run's working directory is the server process's or the
    worker's, not the one `serve` was started from.
    """
    return {
        "raw_dir": str(Path(raw_dir).resolve()),
        "curated_dir": str(Path(curated_dir).resolve()),
    }


def deployment_full_name(name: str = DEPLOYMENT_NAME) -> str:
    """The name run_deployment and `prefect deployment run` take."""
    return f"{FLOW_NAME}/{name}"


def serve_pipeline(
    cron: str,
    raw_dir: Path | str,
    curated_dir: Path | str,
    name: str = DEPLOYMENT_NAME,
    task_runner: TaskRunner | None = None,
) -> None:
    """Register the pipeline deployment with a cron schedule and run its flow runs; blocks.

    One flow run at a time in this process (limit=1); the pipeline's lock keeps runs from
    other processes off the same curated directory. Stopping the process pauses the schedule
    (Prefect's default), so runs do not pile up as Late while nobody serves them; serving
    again resumes it. Ctrl-C or SIGTERM stops it.
    """
    from flows.pipeline import pipeline  # imported here: Prefect and the stages are slow

    flow = pipeline if task_runner is None else pipeline.with_options(task_runner=task_runner)
    flow.serve(
        name=name,
        cron=cron,
        parameters=deployment_parameters(raw_dir, curated_dir),
        description="factledger: ingest, extract, validate and publish on a schedule",
        tags=["factledger"],
        limit=1,
    )
