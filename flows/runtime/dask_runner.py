"""prefect-dask's task runner, adjusted for factledger's extraction fan-out.

A module of its own so that importing `flows.runtime.runners` does not import Dask (~1 s);
only a run with `--task-runner dask` imports this. Six adjustments (bench/README.md, Scale-out):

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
   no statistical profiler, no 20-ms latency ticks, no work stealing, fewer /proc polls. An
   existing cluster keeps its operator's configuration.
5. The flow's context is serialized once per flow run, not once per task. prefect-dask's
   client serializes it (Prefect's whole settings tree, with secrets rendered) for every task
   it submits: ~17 ms each in the flow process, whose main thread then keeps the GIL from the
   event loop that ships the batches to the workers (bench/README.md, Scale-out). Only the
   task's own part (its asset context) is made per task; the rest is made again whenever the
   contexts it is read from change (another flow run, `tags(...)`, `temporary_settings`).
6. Each worker process keeps the flow's Prefect settings and one client of its API for all its
   task runs (`FlowOnWorker`), instead of rebuilding the settings and making two clients per
   task run: ~95 -> 15-20 ms of a worker per (empty) task.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import dask
import distributed
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.context import (
    AssetContext,
    EngineContext,
    SettingsContext,
    SyncClientContext,
    TagsContext,
    TaskRunContext,
    serialize_context,
)
from prefect.task_engine import run_task_async, run_task_sync
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.engine import collect_task_run_inputs_sync
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


def run_task_on_worker(task: Any, **run_task_kwargs: Any) -> Any:
    """Runs a Prefect task on a Dask worker, as prefect-dask's per-submission wrapper does, in
    the flow's settings and with an API client both made once per worker (`FlowOnWorker`). A
    module function, pickled by reference, instead of a closure pickled with each task."""
    if task.isasync:
        return asyncio.run(run_task_async(task=task, **run_task_kwargs))
    context = run_task_kwargs.pop("context")
    flow = flow_on_worker(context.get("settings_context") or {})
    # Prefect would rebuild the settings from their serialized form: left out, since they are
    # entered here already.
    context = {**context, "settings_context": {}}
    with flow.in_context():
        return run_task_sync(task=task, context=context, **run_task_kwargs)


@dataclass(frozen=True)
class FlowOnWorker:
    """A flow's Prefect settings and API client on a worker process, kept for its task runs.

    Prefect rebuilds both for every task run on a worker: the settings from their serialized
    form (~50 ms: pydantic-settings reads the environment again for each of ~50 settings
    models), and two API clients, one as it rebuilds the flow's context and one as the task's
    engine starts, each loading certifi's CA bundle into a TLS context (even for a plain-http
    API) and asking the API for its version (~20-25 ms each). Together ~75 of the ~95 ms a
    task run cost a worker (bench/README.md, Scale-out).
    """

    profile: Any
    settings: Any
    client: SyncPrefectClient
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def in_context(self) -> Iterator[None]:
        """The settings and the client in context for one task run, in the calling thread."""
        # Constructed, not validated: validating would run the settings' validators on the
        # shared settings again, and they change it (not safe from several threads).
        with SettingsContext.model_construct(profile=self.profile, settings=self.settings):
            clients = SyncClientContext.model_construct(client=self.client)
            # Entering counts the client's users; a worker may run task runs in several
            # threads, and an update lost to a race could close the client under the others.
            with self.lock:
                clients.__enter__()
            try:
                yield
            finally:
                with self.lock:
                    clients.__exit__(None, None, None)


_flows_on_worker: dict[str, FlowOnWorker] = {}
_making_a_flow_on_worker = threading.Lock()


def flow_on_worker(serialized_settings: dict[str, Any]) -> FlowOnWorker:
    """The settings and client of the flow whose settings were serialized so, made on first use."""
    key = json.dumps(serialized_settings, sort_keys=True, default=str)
    with _making_a_flow_on_worker:
        flow = _flows_on_worker.get(key)
        if flow is None:
            made = (
                SettingsContext(**serialized_settings)
                if serialized_settings
                else SettingsContext.get()
            )
            with SettingsContext(profile=made.profile, settings=made.settings):
                client = get_client(sync_client=True)  # as Prefect makes it: URL, key, HTTP
            client.__enter__()  # opened once; each task's context enters and leaves it again
            flow = _flows_on_worker[key] = FlowOnWorker(made.profile, made.settings, client)
    return flow


class FactledgerDaskTaskRunner(DaskTaskRunner):
    """A DaskTaskRunner whose local workers report to the flow's API, with no per-task client
    and the flow's context serialized once per run."""

    # serialize_context() as last made, and the contexts it was made from (`_context_for`)
    _serialized_context: dict[str, Any]
    _context_sources: tuple[tuple[Any, ...], frozenset[str]] | None = None

    def __enter__(self) -> Any:
        # distributed logs each step of a cluster's life at INFO: a local cluster's start and
        # stop were ~30 lines of every `factledger --task-runner dask` run, between the
        # pipeline's own, and a comm closing as the cluster stops logs a traceback at INFO. A
        # run's log keeps distributed's warnings and errors. Set as the runner starts, not as
        # this module is imported.
        logging.getLogger("distributed").setLevel(logging.WARNING)
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
        # DaskTaskRunner.submit and PrefectDaskClient.submit (prefect-dask 0.3.7) in one, with
        # pure=False and the flow's context serialized once; see the module docstring.
        if not self._started:
            raise RuntimeError("The task runner must be started before submitting work.")
        parameters = self._optimize_futures(parameters)
        task_run_id = uuid4()
        inputs = {
            name: collect_task_run_inputs_sync(value, future_cls=distributed.Future)
            for name, value in parameters.items()
        }
        if dependencies:
            inputs = {name: found | dependencies.get(name, set()) for name, found in inputs.items()}
        future = distributed.Client.submit(
            self.client,
            run_task_on_worker,
            key=f"{task.name}-{task_run_id}",
            pure=False,
            task=task,
            task_run_id=task_run_id,
            parameters=parameters,
            wait_for=self._optimize_futures(wait_for) if wait_for else None,
            return_type="state",
            dependencies=inputs,
            context=self._context_for(task, task_run_id, inputs),
        )
        return PrefectDaskFuture(wrapped_future=future, task_run_id=task_run_id)

    def _context_for(self, task: Any, task_run_id: UUID, inputs: dict) -> dict[str, Any]:
        """What serialize_context(...) returns for this task, the flow's part made once."""
        # The contexts serialize_context reads; the tags by value, since TagsContext.get()
        # makes a new, empty one on each call outside `tags(...)`.
        contexts = (EngineContext.get(), TaskRunContext.get(), SettingsContext.get())
        tags = frozenset(TagsContext.get().current_tags)
        made_from = self._context_sources
        if (
            made_from is None
            or any(a is not b for a, b in zip(made_from[0], contexts, strict=True))
            or made_from[1] != tags
        ):
            self._context_sources = (contexts, tags)
            self._serialized_context = serialize_context()
        asset_context = AssetContext.from_task_and_inputs(
            task=task, task_run_id=task_run_id, task_inputs=inputs, copy_to_child_ctx=True
        )
        return {**self._serialized_context, "asset_context": asset_context.serialize()}

    def parallel_slots(self) -> int:
        """The cluster's worker threads, counted now (an existing cluster may grow or shrink;
        a local one is started here if it is not yet)."""
        return sum(self.client.nthreads().values())

    def duplicate(self) -> TaskRunner:
        if running_on_a_dask_worker():
            return ThreadPoolTaskRunner(max_workers=1)
        return super().duplicate()
