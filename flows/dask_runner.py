"""prefect-dask's task runner, adjusted for factledger's extraction fan-out.

A module of its own so that importing `flows.runners` does not import Dask (~1 s); only a run
with `--task-runner dask` imports this. Four adjustments (bench/README.md, Scale-out):

1. Local workers report to the flow's Prefect API. Without PREFECT_API_URL (a `factledger
   run` on Prefect's temporary server) each worker process would start a temporary server of
   its own (~5 s each) and record its task runs there, out of the flow's sight.
2. No Dask client per task. Prefect re-creates the flow's context around every task it runs
   on a worker, including entering a duplicate of the flow's task runner; for a Dask runner
   that would open a new client connection to the scheduler per task. Our tasks submit no
   tasks of their own, so on a worker the duplicate is a plain thread pool that is never used.
3. No content hash per submission. Dask names a task by hashing its arguments unless told the
   call is impure; hashing a batch means pickling every document once more in the flow
   process (~1.6 CPU-s per 10,000 documents, bench/README.md). A batch is submitted once, so
   a random key loses nothing.
4. A local cluster runs with less housekeeping (LOCAL_WORKER_CONFIG, LOCAL_SCHEDULER_CONFIG):
   no statistical profiler, no 20-ms latency ticks, no work stealing. An existing cluster
   keeps its operator's configuration.
"""

from __future__ import annotations

from typing import Any

import dask
import distributed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from prefect_dask.task_runners import PrefectDaskFuture


def current_prefect_api_url() -> str:
    """The API this process reports to: PREFECT_API_URL, or the temporary server it started."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url)


def running_on_a_dask_worker() -> bool:
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


# A local cluster's housekeeping, which takes its CPU from the extraction on a small machine
# (bench/README.md, Scale-out; idle, per 10 s: flow process 0.4-0.6 -> 0.2 CPU-s, each worker
# 0.21 -> 0.09):
# - the statistical profiler samples every worker thread's stack each 10 ms: on extraction
#   (deep pure-Python stacks) ~0.6 CPU-s of a worker's event loop per 5,000 documents, most of
#   it reading source lines;
# - every event loop times itself each 20 ms ("tick"; only a diagnostic); once a second here;
# - the scheduler rebalances work among workers each 100 ms ("work stealing"): the fan-out's
#   batches wait on the scheduler until a worker is free, so there is nothing to steal;
# - every scheduler, nanny and worker reads its process's CPU, memory, network and disk
#   counters from /proc each 500 ms, and each nanny and worker its memory each 100 ms; the
#   flow process holds the scheduler and the nannies, and this was ~12% of its event loop's
#   CPU during an extraction. Every 2 s and every second here; a worker still cannot run away
#   with the memory for long.
# The workers' part is handed to the nannies as config: a worker applies its nanny's copy of
# the Dask config last, over its environment, and the nannies copy it as the cluster starts,
# on the first submit. Dotted keys: the worker dask.config.set()s this, and a nested
# {"distributed": ...} would replace that whole tree.
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
}
LOCAL_SCHEDULER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


class FactledgerDaskTaskRunner(DaskTaskRunner):
    """A DaskTaskRunner whose local workers report to the flow's API, with no per-task client."""

    def __enter__(self) -> Any:
        if self.address is None and self._cluster is None:
            # The API URL is known only once the flow runs (a temporary server starts with
            # it), so it is handed to the local workers' environment here, as they start.
            env = {
                **self.cluster_kwargs.get("env", {}),
                "PREFECT_API_URL": current_prefect_api_url(),
            }
            config = {**LOCAL_WORKER_CONFIG, **self.cluster_kwargs.get("config", {})}
            self.cluster_kwargs = {**self.cluster_kwargs, "env": env, "config": config}
        return super().__enter__()

    @property
    def client(self) -> Any:
        # prefect-dask starts a local cluster, its scheduler in this process, on first use.
        if self._client is None and self.address is None and self._cluster is None:
            with dask.config.set(LOCAL_SCHEDULER_CONFIG):
                return super().client
        return super().client

    def submit(self, task, parameters, wait_for=None, dependencies=None):  # type: ignore[no-untyped-def, override]
        # DaskTaskRunner.submit (prefect-dask 0.3.7) with pure=False; see the module docstring.
        if not self._started:
            raise RuntimeError("The task runner must be started before submitting work.")
        future = self.client.submit(
            task,
            parameters=self._optimize_futures(parameters),
            wait_for=self._optimize_futures(wait_for) if wait_for else None,
            dependencies=dependencies,
            return_type="state",
            pure=False,
        )
        return PrefectDaskFuture(wrapped_future=future, task_run_id=future.task_run_id)

    def parallel_slots(self) -> int:
        """The cluster's worker threads, counted now (an existing cluster may grow or shrink;
        a local one is started here if it is not yet)."""
        return sum(self.client.nthreads().values())

    def duplicate(self) -> TaskRunner:
        if running_on_a_dask_worker():
            return ThreadPoolTaskRunner(max_workers=1)
        return super().duplicate()
