"""The Dask task runner gives the same ledger as the default one.

One batch per document, so the seed corpus fans out over both workers of a local cluster of two
processes; the default (thread pool) run on a second copy of the corpus is the reference.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import duckdb
import pytest

import flows.pipeline
from flows.pipeline import pipeline
from flows.runtime.runners import make_task_runner, parallel_slots

REPO = Path(__file__).resolve().parents[2]

# Columns that differ between two runs of the same input by design.
RUN_SPECIFIC = {"run_id", "loaded_run_id"}


def comparable_rows(database: Path, table: str) -> list[tuple]:
    """All rows of `table`, sorted, without run ids and timestamps."""
    with duckdb.connect(str(database), read_only=True) as con:
        schema, name = table.split(".")
        columns = [
            column
            for column, kind in con.execute(
                """select column_name, data_type from information_schema.columns
                   where table_schema = ? and table_name = ? order by ordinal_position""",
                [schema, name],
            ).fetchall()
            if column not in RUN_SPECIFIC and not kind.startswith("TIMESTAMP")
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {listed} from {table} order by all").fetchall()


def curated_tables(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return [
            f"curated.{name}"
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'curated' order by 1"
            ).fetchall()
        ]


@pytest.fixture(scope="module")
def runs(prefect_server: None, tmp_path_factory: pytest.TempPathFactory):
    """One run per runner, on two copies of the seed corpus (module-wide: runs take seconds)."""
    tmp_path = tmp_path_factory.mktemp("dask-vs-default")
    raws = [tmp_path / "raw-default", tmp_path / "raw-dask"]
    for raw in raws:
        shutil.copytree(REPO / "data" / "raw", raw)
        for path in raw.rglob("*"):
            path.chmod(0o644 if path.is_file() else 0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flows.pipeline, "EXTRACT_BATCH_SIZE", 1)
        default = pipeline(raw_dir=raws[0], curated_dir=tmp_path / "curated-default")
        on_dask_run = pipeline.with_options(task_runner=make_task_runner("dask", None, workers=2))(
            raw_dir=raws[1], curated_dir=tmp_path / "curated-dask", return_state=True
        )
    return default, on_dask_run.result(), tmp_path, on_dask_run.state_details.flow_run_id


def test_dask_and_default_runners_extract_the_same_claims_and_events(runs) -> None:
    default, on_dask, _, _ = runs
    assert on_dask.counts["documents_new"] == default.counts["documents_new"] == 3
    for table in ("raw.claims", "raw.events"):
        expected = comparable_rows(default.warehouse, table)
        assert expected, f"{table} is empty: the comparison would prove nothing"
        assert comparable_rows(on_dask.warehouse, table) == expected, table


def test_the_task_runs_on_the_workers_are_recorded_completed(runs) -> None:
    """The workers report their task runs to the flow's API (make_task_runner hands them its
    URL); the server records them as the events arrive."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    *_, dask_flow_run_id = runs
    expected = [(f"extract batch {i} of 3", "COMPLETED") for i in (1, 2, 3)]
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[dask_flow_run_id]))
            )
            extracts = sorted(
                (t.name, t.state.type.value) for t in task_runs if t.name.startswith("extract")
            )
            if extracts == expected or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert extracts == expected


def test_dask_and_default_runners_publish_the_same_curated_tables(runs) -> None:
    _, _, tmp_path, _ = runs
    published = [tmp_path / d / "factledger.duckdb" for d in ("curated-default", "curated-dask")]
    if not published[0].exists():
        pytest.skip("the pipeline does not publish yet")
    tables = curated_tables(published[0])
    assert tables == curated_tables(published[1])
    for table in tables:
        assert comparable_rows(published[1], table) == comparable_rows(published[0], table), table


def test_an_existing_cluster_given_by_address_runs_the_extraction(
    runs, prefect_server: None, tmp_path: Path
) -> None:
    """`--dask-address`: a cluster that outlives the run (here started by the test, as an
    operator would start one) runs the extraction batches, and the ledger is the same."""
    import distributed
    from prefect.settings import get_current_settings

    default, _, _, _ = runs
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        env={"PREFECT_API_URL": get_current_settings().api.url},  # workers report to the flow's API
    ) as cluster:
        runner = make_task_runner("dask", cluster.scheduler_address)
        with (
            distributed.Client(cluster) as observer,
            distributed.get_task_stream(client=observer) as stream,
            pytest.MonkeyPatch.context() as patch,
        ):
            patch.setattr(flows.pipeline, "EXTRACT_BATCH_SIZE", 1)
            on_cluster = pipeline.with_options(task_runner=runner)(
                raw_dir=raw, curated_dir=tmp_path / "curated"
            )
            cluster_workers = set(observer.scheduler_info()["workers"])
        assert cluster.status.name == "running"  # the run left the cluster up
    assert len(stream.data) == 3, stream.data  # one batch per seed document, on this cluster
    assert {task["worker"] for task in stream.data} <= cluster_workers
    for table in ("raw.claims", "raw.events"):
        assert comparable_rows(on_cluster.warehouse, table) == comparable_rows(
            default.warehouse, table
        ), table


def ready_for_batches(dask_worker) -> dict:
    """On a worker: what its preload (flows/runtime/dask_worker.py) did as it started, and the
    housekeeping it runs with (flows/runtime/runners.py)."""
    import gc

    from flows.extract.engine import _extractor  # extractor_for's cache

    callbacks = dask_worker.periodic_callbacks
    return {
        "extractors_built": _extractor.cache_info().currsize,
        "imports_frozen": gc.get_freeze_count() > 100_000,
        "profiler": "profile" in callbacks,
        "tick_ms": callbacks["tick"].callback_time,
        "system_monitor_ms": callbacks["monitor"].callback_time,
    }


def scheduler_housekeeping(dask_scheduler) -> dict:
    return {
        "stealing": "stealing" in dask_scheduler.extensions,
        "tick_ms": dask_scheduler.periodic_callbacks["tick"].callback_time,
    }


def test_a_local_cluster_is_ready_for_the_batches_before_the_first(prefect_server: None) -> None:
    """Each worker imported the pipeline, built its extractor and froze its imports as it
    started, before any extraction task, and runs without the profiler, with 1-s ticks and 2-s
    monitors; the scheduler without work stealing. parallel_slots counts the cluster's worker
    threads (2 one-thread workers), so that the batches come in a multiple of them. A
    dask.config.set once failed to reach the workers unnoticed: this asks the processes."""
    from prefect import flow, task
    from prefect.context import FlowRunContext

    @task
    def started() -> None:
        """Returns once the runner runs tasks: Prefect starts a task runner lazily."""

    @flow
    def ask_the_cluster() -> tuple[list[dict], dict, int]:
        started.submit().result()
        runner = FlowRunContext.get().task_runner
        workers = list(runner.client.run(ready_for_batches).values())
        scheduler = runner.client.run_on_scheduler(scheduler_housekeeping)
        return workers, scheduler, parallel_slots(runner)

    runner = make_task_runner("dask", None, 2)
    workers, scheduler, slots = ask_the_cluster.with_options(task_runner=runner)()
    housekeeping = {"profiler": False, "tick_ms": 1000, "system_monitor_ms": 2000}
    assert workers == [{"extractors_built": 1, "imports_frozen": True, **housekeeping}] * 2
    assert scheduler == {"stealing": False, "tick_ms": 1000}
    assert slots == 2
    assert parallel_slots(make_task_runner("default", None)) == 1


def test_a_local_cluster_keeps_to_warnings_in_the_runs_log(prefect_server: None, caplog) -> None:
    """A local cluster's start and stop used to log ~30 INFO lines of distributed's (nannies,
    workers, comms) between the pipeline's own."""
    from prefect import flow, task

    @task
    def started() -> None:
        """Returns once the runner runs tasks: the cluster has started."""

    @flow
    def start_and_stop_a_cluster() -> None:
        started.submit().result()

    with caplog.at_level(logging.INFO):
        start_and_stop_a_cluster.with_options(task_runner=make_task_runner("dask", None, 2))()
    chatter = [r.getMessage() for r in caplog.records if r.name.startswith("distributed")]
    assert chatter == []


def test_each_task_runs_in_the_context_it_was_submitted_in(prefect_server: None) -> None:
    """A task submitted inside `tags(...)` runs on its worker with those tags, the ones before and
    after it without: the flow's context travels with each task."""
    from prefect import flow, tags, task
    from prefect.context import TaskRunContext

    @task
    def my_tags() -> list[str]:
        return sorted(TaskRunContext.get().task_run.tags)

    @flow
    def tagged() -> tuple[list[str], list[str], list[str]]:
        before = my_tags.submit()
        with tags("later"):
            inside = my_tags.submit()
        after = my_tags.submit()
        return before.result(), inside.result(), after.result()

    runner = make_task_runner("dask", None, 1)
    assert tagged.with_options(task_runner=runner)() == ([], ["later"], [])


def test_unknown_runner_kinds_and_misplaced_addresses_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown task runner 'ray'"):
        make_task_runner("ray", None)
    with pytest.raises(ValueError, match="--dask-address needs --task-runner dask"):
        make_task_runner("default", "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="at least one worker"):
        make_task_runner("dask", None, workers=0)
