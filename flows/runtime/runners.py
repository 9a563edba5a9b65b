"""Which Prefect task runner a run uses: a thread on this machine (default) or a Dask cluster.

Only the extraction batches are submitted (`extract_batch.submit`), so the runner decides where
extraction runs; every other stage runs in the flow's own process either way, next to DuckDB.

Usage (a flow's task runner is fixed at definition, so choose it per run with `with_options`):

    from flows.pipeline import pipeline
    from flows.runtime.runners import make_task_runner

    runner = make_task_runner("dask", dask_address=None, workers=2)   # a local cluster
    runner = make_task_runner("dask", "tcp://10.0.0.5:8786")          # an existing cluster
    summary = pipeline.with_options(task_runner=runner)(raw_dir=..., curated_dir=...)

An existing cluster's workers must have factledger installed (they import `flows` to run
the task) and must be able to reach the Prefect API the flow uses (PREFECT_API_URL); the
documents travel with the task, so the workers need no access to the raw directory.
"""

from __future__ import annotations

from typing import Literal, get_args

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RunnerKind = Literal["default", "dask"]
RUNNER_KINDS: tuple[str, ...] = get_args(RunnerKind)


def parallel_slots(runner: TaskRunner) -> int:
    """How many extraction tasks `runner` runs at once: a Dask cluster's worker threads (its
    `parallel_slots`), else 1 (the default runner is one thread)."""
    slots = getattr(runner, "parallel_slots", None)
    return max(1, slots()) if callable(slots) else 1


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
        # GIL (4 batches on 4 threads took 5-20% more CPU than on one, bench/README.md).
        return ThreadPoolTaskRunner(max_workers=1)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}: expected one of {', '.join(RUNNER_KINDS)}")
    from flows.runtime.dask_runner import FactledgerDaskTaskRunner  # imported here: Dask takes ~1 s

    if dask_address:
        return FactledgerDaskTaskRunner(address=dask_address)
    if workers < 1:
        raise ValueError(f"a local Dask cluster needs at least one worker, got {workers}")
    return FactledgerDaskTaskRunner(
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
            # Each worker imports the pipeline and builds the extractor as it starts, in
            # parallel, instead of inside its first extraction task (flows/runtime/dask_worker.py).
            "preload": ["flows.runtime.dask_worker"],
        },
    )
