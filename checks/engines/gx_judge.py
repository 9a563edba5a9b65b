"""The GX judge: a child process that owns Great Expectations for the process that starts it.

Run as `python -m checks.engines.gx_judge READ_FD WRITE_FD` by checks.engines.gx, never by hand.
Why a process of its own: importing great_expectations takes ~2-3 s (pandas, sqlalchemy), more
than the rest of a run on the bundled corpus. Started as a run begins, the judge imports GX on
the second core while the run ingests, extracts and runs the other checks; the run's process
never imports GX or pandas at all.

The protocol is one pickled request, one pickled reply, over two pipes (multiprocessing's
Connection framing). Requests carry plain data only, so the parent needs nothing from GX:
    ("ready",)                              → True, once GX is imported
    ("settings",)                          → {"analytics_enabled", "progress_bars", "env"}
    ("begin", docs_dir)                     → None: a new ephemeral context writing Data Docs
                                              under docs_dir (one per validate run)
    ("validate", name, columns, expectations)
        columns: {column: [values]} (one frame), expectations: [(class name, kwargs)]
                                            → [result as GX's JSON dict, one per expectation]
    ("docs",)                               → the Data Docs index path (str)
A request that raises is answered ("error", traceback) and the judge goes on. The judge exits,
at once, when its parent closes the request pipe. stdout is sent to stderr: nothing GX prints can
corrupt the replies.
"""

from __future__ import annotations

import os
import sys
import traceback
from multiprocessing.connection import Connection

from flows.runtime.gc_pause import collection_paused

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # before GX is imported

with collection_paused(freeze=True):  # GX, pandas and scipy: ~270,000 lasting objects
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )


class Judge:
    """One ephemeral GX context at a time; suites, assets and checkpoints named per check."""

    def __init__(self) -> None:
        self.context = None
        self.source = None
        self.begin_error: str | None = None

    def begin(self, docs_dir: str) -> None:
        self.context = self.source = None
        try:
            self._begin(docs_dir)
        except Exception as exc:
            self.begin_error = f"{type(exc).__name__}: {exc}"
            raise

    def _begin(self, docs_dir: str) -> None:
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        self.context.add_data_docs_site(
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
        self.source = self.context.data_sources.add_pandas("duckdb_reductions")

    def validate(self, name: str, columns: dict[str, list], expectations: list) -> list[dict]:
        self._require_context()
        asset = self.source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("reduction")
        # Whole before it is added: each add_expectation on a stored suite writes the whole
        # suite to the store again (~0.2 s over the four suites of a run, measured here).
        suite = self.context.suites.add(
            gx.ExpectationSuite(
                name=name,
                expectations=[
                    getattr(gx.expectations, class_name)(**kwargs)
                    for class_name, kwargs in expectations
                ],
            )
        )
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        # No UpdateDataDocsAction: it rebuilt every page after each suite; the results are
        # stored either way, and "docs" renders them all once at the end of the run.
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(name=name, validation_definitions=[definition], actions=[])
        )
        outcome = checkpoint.run(batch_parameters={"dataframe": frame_of(columns)})
        return [
            compact(r.to_json_dict()) for run in outcome.run_results.values() for r in run.results
        ]

    def docs(self) -> str:
        self._require_context()
        urls = self.context.build_data_docs()
        return str(urls.get("local_site", ""))

    def _require_context(self) -> None:
        if self.context is None:
            raise RuntimeError(f"no GX context: {self.begin_error or 'begin was not requested'}")

    def settings(self) -> dict:
        self._require_context()
        variables = self.context.variables
        return {
            "analytics_enabled": variables.analytics_enabled,
            "progress_bars": bool(variables.progress_bars and variables.progress_bars.globally),
            "env": os.environ.get("GX_ANALYTICS_ENABLED"),
        }


def compact(result: dict) -> dict:
    """What the parent reads of a result: replies stay small, so pipelined requests and
    replies never fill both pipes at once."""
    outcome = result.get("result") or {}
    return {
        "success": result["success"],
        "expectation_config": {
            "type": result["expectation_config"]["type"],
            "kwargs": result["expectation_config"]["kwargs"],
        },
        "result": {
            k: outcome[k]
            for k in ("observed_value", "partial_unexpected_list", "details")
            if k in outcome
        },
        "exception_info": result.get("exception_info"),
    }


def frame_of(columns: dict[str, list]) -> pd.DataFrame:
    """The columns as one frame, null-padded to one length (GX's column-map expectations
    ignore nulls), object-typed so GX sees the values DuckDB gave."""
    length = max(1, *(len(v) for v in columns.values()))
    return pd.DataFrame(
        {
            name: pd.Series([*values, *[None] * (length - len(values))], dtype=object)
            for name, values in columns.items()
        }
    )


def serve(requests: Connection, replies: Connection) -> None:
    judge = Judge()
    handlers = {
        "ready": lambda: True,
        "settings": judge.settings,
        "begin": judge.begin,
        "validate": judge.validate,
        "docs": judge.docs,
    }
    while True:
        try:
            request = requests.recv()
        except EOFError:  # the parent closed the pipe: its run is over
            sys.stderr.flush()
            # Every reply is sent and the Data Docs are written: skip tearing down GX, pandas
            # and scipy (~0.5 s), which the parent would otherwise wait for as it exits.
            os._exit(0)
        op, *args = request
        try:
            replies.send(("ok", handlers[op](*args)))
        except Exception:  # answered, not fatal: the parent files it as an error of the check
            replies.send(("error", traceback.format_exc()))


def main(argv: list[str]) -> None:
    read_fd, write_fd = (int(a) for a in argv)
    os.dup2(2, 1)  # stray prints go to stderr; replies travel on write_fd only
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False))


if __name__ == "__main__":
    main(sys.argv[1:])
