"""Which Prefect task runner a run uses: a thread on this machine (default) or a Dask cluster.

Only the extraction batches are submitted (`extract_batch.submit`), so the runner decides where
extraction runs; every other stage runs in the flow's own process either way, next to DuckDB.

Usage (a flow's task runner is fixed at definition, so choose it per run with `with_options`):

    from flows.pipeline import pipeline
    from flows.runtime.runners import make_task_runner

    runner = make_task_runner("dask", dask_address=None, workers=2)   # a local cluster
    runner = make_task_runner("dask", "tcp://10.0.0.5:8786")          # an existing cluster
    summary = pipeline.with_options(task_runner=runner)(raw_dir=..., curated_dir=...)

A local cluster's workers report their task runs to the Prefect API configured when the runner
is made (`factledger run` makes it once its own server answers). An existing cluster's workers
must have factledger installed (they import `flows` to run the task) and must be able to reach
the Prefect API the flow uses (PREFECT_API_URL); the documents travel with the task, so the
workers need no access to the raw directory.
"""

from __future__ import annotations

import logging
from typing import Literal, get_args

from prefect.settings import get_current_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RunnerKind = Literal["default", "dask"]
# A local cluster's housekeeping takes its CPU from the extraction on a small machine: no
# statistical profiler (it samples the workers' deep stacks every 10 ms), no work stealing (the
# batches wait for a free worker anyway), ticks and monitors less often (bench/HISTORY.md,
# Scale-out). Dask's own configuration: the scheduler reads it, the nannies hand it to workers.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
}
RUNNER_KINDS: tuple[str, ...] = get_args(RunnerKind)


def parallel_slots(runner: TaskRunner) -> int:
    """How many extraction tasks `runner` runs at once: a Dask cluster's worker threads, counted
    now (a local cluster starts here if it is not yet), else 1 (the default runner is one
    thread). `client` is prefect-dask's DaskTaskRunner.client; a thread pool has none."""
    client = getattr(runner, "client", None)
    return max(1, sum(client.nthreads().values())) if client is not None else 1


def make_task_runner(kind: str, dask_address: str | None, workers: int = 2) -> TaskRunner:
    """The task runner for `kind`: "default" (a thread beside the flow) or "dask".

    For "dask", `dask_address` (e.g. tcp://host:8786) connects to a running scheduler; without
    it a LocalCluster of `workers` processes with one thread each is started for the run and
    torn down after it. Processes, not threads: extraction is pure-Python regex work that the
    GIL would serialise. Everything listens on loopback only; no dashboard.
    """
    if kind == "default":
        if dask_address:
            raise ValueError("--dask-address needs --task-runner dask")
        # One thread: extraction is pure-Python CPU work, so more threads only contend for the
        # GIL (4 batches on 4 threads took 5-20% more CPU than on one, bench/HISTORY.md).
        return ThreadPoolTaskRunner(max_workers=1)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}: expected one of {', '.join(RUNNER_KINDS)}")
    import dask
    from prefect_dask import DaskTaskRunner  # imported here: Dask takes ~1 s

    # distributed logs each step of a cluster's life at INFO, ~30 lines between the pipeline's
    # own in every run's log; the run keeps its warnings and errors.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    if workers < 1:
        raise ValueError(f"a local Dask cluster needs at least one worker, got {workers}")
    api_url = get_current_settings().api.url
    dask.config.set(LOCAL_CLUSTER_CONFIG)  # for this process's clusters: the run's own
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers,
            "processes": True,
            "threads_per_worker": 1,
            "dashboard_address": None,
            # Loopback only: the local cluster must not listen on other interfaces.
            "host": "127.0.0.1",
            # dashboard_address=None alone still binds the scheduler's HTTP routes to :8787
            # (distributed 2026.8), which collides between concurrent runs: no dashboard, and
            # those routes on a free loopback port.
            "scheduler_kwargs": {"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            # The workers report their task runs to this process's Prefect API; without it
            # each would start a temporary server of its own, out of the flow's sight.
            "env": {"PREFECT_API_URL": api_url} if api_url else {},
            # Each worker imports the pipeline and builds the extractor as it starts
            # (flows/runtime/dask_worker.py), not inside its first batch.
            "preload": ["flows.runtime.dask_worker"],
        },
    )
