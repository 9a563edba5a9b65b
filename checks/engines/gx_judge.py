"""The GX judge: Great Expectations in a process of its own, a standard library
`ProcessPoolExecutor` of one worker that a run starts first (`warm_up`), so that GX's ~3 s
import happens on the other core while the run ingests and extracts (28% of a bundled run,
bench/README.md, "The libraries as shipped").

This module imports only the standard library until it runs in the worker: the CLI calls
`warm_up` before importing Prefect. The worker's functions (`begin`, `validate`, `docs`,
`settings`) take and return plain data; an exception in one comes back as `JudgeError` and the
worker goes on, a worker that died is `JudgeError` too and the next `warm_up` starts another.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from flows.runtime.gc_pause import collection_paused


class JudgeError(RuntimeError):
    """The judge could not answer: it raised (its message follows) or it died."""


_executor: ProcessPoolExecutor | None = None
_executor_lock = threading.Lock()


def warm_up() -> ProcessPoolExecutor:
    """This process's judge, started now if none is running: one serves every validate run of
    the process. Spawned, not forked: the parent has Prefect's threads by the time GX is used."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=start
            )
            _executor.submit(os.getpid)  # the worker starts now, not at the first check
        return _executor


def submit(function: Callable, *args: object) -> Future:
    """Hand the judge one of the worker's functions below without waiting for its answer."""
    try:
        return warm_up().submit(function, *args)
    except BrokenProcessPool as exc:
        raise died(exc) from exc


def answer(future: Future) -> Any:
    """The judge's reply, or JudgeError saying why there is none."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise died(exc) from exc
    except Exception as exc:
        raise JudgeError(f"the GX judge raised {type(exc).__name__}: {exc}") from exc


def ready() -> int:
    """Wait until the judge has imported GX; its process id (benchmarks and tests)."""
    return answer(submit(os.getpid))


def died(exc: BrokenProcessPool) -> JudgeError:
    global _executor
    with _executor_lock:
        _executor = None  # the next warm_up starts a new judge
    return JudgeError(f"the GX judge died: {exc}")


# In the worker: one ephemeral GX context at a time (a validate run's), and its data source.
_context: Any = None
_source: Any = None


def start() -> None:
    """The worker's initializer: GX imported with its ~270,000 lasting objects frozen, and GX's
    own output kept off the run's terminal (its verdicts travel as return values)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # before GX is imported
    with collection_paused(freeze=True):
        import great_expectations  # noqa: F401
        import pandas  # noqa: F401
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    threading.Thread(target=exit_with_parent, name="exit with the run", daemon=True).start()


def exit_with_parent() -> None:
    """A run killed outright (SIGKILL) never shuts its pool down: its judge goes with it."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def begin(docs_dir: str) -> None:
    """A new ephemeral context writing Data Docs under `docs_dir` (one per validate run)."""
    global _context, _source
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    _context = _source = None
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    context.add_data_docs_site(
        "local_site",
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": docs_dir,
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    _source = context.data_sources.add_pandas("duckdb_reductions")
    _context = context


def validate(name: str, columns: dict[str, list], expectations: list) -> list[dict]:
    """GX's results, one per expectation (`(class name, kwargs)`), on the frame of `columns`."""
    import great_expectations as gx

    context = current_context()
    batch = _source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("reduction")
    # Whole before it is added: each add_expectation on a stored suite writes the whole suite
    # to the store again (~0.2 s over the four suites of a run).
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=name,
            expectations=[
                getattr(gx.expectations, kind)(**kwargs) for kind, kwargs in expectations
            ],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    # No UpdateDataDocsAction: it rebuilt every page after each suite; `docs` renders them once.
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=name, validation_definitions=[definition], actions=[])
    )
    outcome = checkpoint.run(batch_parameters={"dataframe": frame_of(columns)})
    return [r.to_json_dict() for run in outcome.run_results.values() for r in run.results]


def docs() -> str:
    """Data Docs of the context's results; the index page's URL."""
    return str(current_context().build_data_docs().get("local_site", ""))


def settings() -> dict:
    """GX's analytics and progress-bar settings as the judge runs it (tests)."""
    variables = current_context().variables
    return {
        "analytics_enabled": variables.analytics_enabled,
        "progress_bars": bool(variables.progress_bars and variables.progress_bars.globally),
        "env": os.environ.get("GX_ANALYTICS_ENABLED"),
    }


def current_context() -> Any:
    if _context is None:
        raise RuntimeError("no GX context: begin failed or was not asked for")
    return _context


def frame_of(columns: dict[str, list]) -> Any:
    """The columns as one pandas frame, null-padded to one length (GX's column-map expectations
    ignore nulls), object-typed so GX sees the values DuckDB gave."""
    import pandas as pd

    length = max(1, *(len(v) for v in columns.values()))
    return pd.DataFrame(
        {
            name: pd.Series([*values, *[None] * (length - len(values))], dtype=object)
            for name, values in columns.items()
        }
    )
