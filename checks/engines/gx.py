"""The gx engine: Great Expectations suites (checks/gx/suites.yaml) over DuckDB tables.

Why GX runs on pandas over reductions, not on the tables:
- GX 1.x has no DuckDB datasource, and its SQL path through duckdb-engine returned empty
  results (GX closes the connection before fetching; upstream issues 10738 and 11579).
- GX on pandas over the whole table is ~22x a DuckDB scan and ~11 GB at 10M claims
  (bench/README.md): the validate stage must stay within 3x and 2 GB, so no table is fetched.

So DuckDB reduces each table, in the warehouse, to a small frame from which GX's own
expectation logic reaches the same verdict as on the whole table:
  ranges      the column's min and max       (all values in range ⇔ both are)
  value sets  the column's distinct values   (all in the set ⇔ every distinct one is)
  keys        each duplicated value twice    (unique ⇔ none)
  not null    the column's null count        (expected to be 0)
  row count   the table's row count          (expected in range)
  columns     "position name TYPE" per column (expected to equal the declared set)
  series      the worst headrooms (value_hi minus the highest earlier value_lo) per entity
              and cumulative metric, with their claim ids (expected >= 0)
The frame is null-padded to one length; GX's column-map expectations ignore nulls.
The verdicts are GX's; counts of failing rows come from the SQL and pandera checks.

A GX result carrying exception_info is an error of the check, never a pass or a failure.
GX usage statistics and progress bars are off: no network at run time.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # before GX is imported

from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
import yaml
from great_expectations.core.expectation_validation_result import (
    ExpectationValidationResult,
)
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from checks import CHECKS_DIR
from checks.engines.common import EngineRun, Violation, add_violations
from checks.registry import CheckSpec
from flows.catalogue import Catalogue

SUITES_PATH = CHECKS_DIR / "gx" / "suites.yaml"
WITNESS_LIMIT = 20  # duplicated keys / worst series points shown per expectation

SERIES_SQL = """
with

-- the reported cumulative claims, with only the columns the headroom reads: the window below
-- sorts these rows, not every column of the table
series as (
    select claim_id, entity, metric, value_lo, value_hi, period_start, period_end
    from {table}
    semi join (select metric from staging.metric_catalogue where cumulative) using (metric)
    where status = 'reported'
),

-- each claim against the highest lower bound stated by claims of its series ending before it
-- starts: the series' ends and starts on one timeline (at one date a start sorts before the
-- ends: "ending before" is strict), one window instead of a grouped window and an asof join
timeline as (
    select
        entity, metric, period_end as moment, 1 as side, value_lo as stated_lo,
        null::varchar as claim_id, null::double as value_hi
    from series
    union all
    select
        entity, metric, period_start as moment, 0 as side, null::double as stated_lo,
        claim_id, value_hi
    from series
),

floored as (
    select
        claim_id,
        side,
        value_hi,
        max(stated_lo) over (
            partition by entity, metric
            order by moment, side
            rows between unbounded preceding and current row
        ) as floor_lo
    from timeline
),

headrooms as (
    select claim_id, value_hi - floor_lo as headroom
    from floored
    where side = 0 and floor_lo is not null
)

select claim_id, headroom from headrooms order by headroom, claim_id limit {limit}
"""


def load_suites(path: Path = SUITES_PATH) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["suites"]


class GxSession:
    """One ephemeral GX context per validate run, writing Data Docs under `docs_dir`."""

    def __init__(self, docs_dir: Path, catalogue: Catalogue, suites_path: Path = SUITES_PATH):
        self.docs_dir = docs_dir
        self.catalogue = catalogue
        self.suites = load_suites(suites_path)
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
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        self.source = self.context.data_sources.add_pandas("duckdb_reductions")

    @property
    def index_path(self) -> Path:
        return self.docs_dir / "index.html"

    def run(self, con: duckdb.DuckDBPyConnection, spec: CheckSpec) -> EngineRun:
        declared = self.suites[spec.id]
        if "series" in declared:
            frame, expectations = series_frame(con, spec.table)
        else:
            frame, expectations = contract_frame(con, spec.table, declared, self.catalogue)
        results = self.validate_frame(spec.id, frame, expectations)
        violations, errors = judge(spec.id, results, frame)
        return EngineRun(add_violations(con, spec.id, violations), tuple(errors))

    def validate_frame(
        self, name: str, frame: pd.DataFrame, expectations: list
    ) -> list[ExpectationValidationResult]:
        asset = self.source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("reduction")
        suite = self.context.suites.add(gx.ExpectationSuite(name=name))
        for expectation in expectations:
            suite.add_expectation(expectation)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        # No UpdateDataDocsAction: it rebuilt every page after each suite; the results are
        # stored either way, and build_docs renders them all once at the end of the run.
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(name=name, validation_definitions=[definition], actions=[])
        )
        outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        return [r for run in outcome.run_results.values() for r in run.results]

    def build_docs(self) -> None:
        self.context.build_data_docs()


def contract_frame(
    con: duckdb.DuckDBPyConnection, table: str, declared: dict, catalogue: Catalogue
) -> tuple[pd.DataFrame, list]:
    """Reduce `table` in one aggregate scan (plus a lookup of duplicated keys, if any)."""
    keys = declared.get("keys", [])
    not_null = [*keys, *declared.get("not_null", [])]
    ranges = declared.get("ranges", {})
    value_sets = declared.get("value_sets", {})
    aggregates = ["count(*) as row_count"]
    aggregates += [f"count(*) - count({c}) as {c}__nulls" for c in not_null]
    # Keys are screened on a 64-bit hash (cheaper to count than strings): as many distinct
    # hashes as values proves them unique; otherwise the exact lookup below names them.
    aggregates += [
        f"count({k}) - count(distinct hash({k})) filter (where {k} is not null) as {k}__duplicates"
        for k in keys
    ]
    aggregates += [f"[min({c}), max({c})] as {c}__range" for c in ranges]
    aggregates += [f"list_sort(list(distinct {c})) as {c}__values" for c in value_sets]
    (summary,) = con.sql(f"select {', '.join(aggregates)} from {table}").fetchall()
    summary = dict(
        zip(
            ["row_count", *_aggregate_names(not_null, keys, ranges, value_sets)],
            summary,
            strict=True,
        )
    )
    columns: dict[str, list] = {
        "row_count": [summary["row_count"]],
        "columns": [
            f"{position} {name} {kind}"
            for position, (name, kind, *_) in enumerate(con.sql(f"describe {table}").fetchall())
        ],
    }
    expectations: list = [
        gx.expectations.ExpectColumnDistinctValuesToEqualSet(
            column="columns",
            value_set=[f"{i} {name} {kind}" for i, (name, kind) in enumerate(declared["columns"])],
        )
    ]
    if "row_count" in declared:
        expectations.append(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="row_count",
                min_value=declared["row_count"].get("min"),
                max_value=declared["row_count"].get("max"),
            )
        )
    for column in not_null:
        columns[f"{column}__nulls"] = [summary[f"{column}__nulls"]]
        expectations.append(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=f"{column}__nulls", min_value=0, max_value=0
            )
        )
    for key in keys:
        duplicated = []
        if summary[f"{key}__duplicates"]:  # a hash collision alone finds nothing here
            duplicated = [
                value
                for (value,) in con.sql(
                    f"select {key} from {table} where {key} is not null group by {key} "
                    f"having count(*) > 1 order by {key} limit {WITNESS_LIMIT}"
                ).fetchall()
                for _ in range(2)
            ]
        columns[key] = duplicated
        expectations.append(gx.expectations.ExpectColumnValuesToBeUnique(column=key))
    for column, bounds in ranges.items():
        columns[column] = summary[f"{column}__range"]
        expectations.append(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=column, min_value=bounds.get("min"), max_value=bounds.get("max")
            )
        )
    for column, allowed in value_sets.items():
        columns[column] = summary[f"{column}__values"] or []  # NULL on an empty table
        expectations.append(
            gx.expectations.ExpectColumnValuesToBeInSet(
                column=column, value_set=allowed_values(allowed, catalogue)
            )
        )
    return padded_frame(columns), expectations


def _aggregate_names(not_null, keys, ranges, value_sets) -> list[str]:
    return [
        *(f"{c}__nulls" for c in not_null),
        *(f"{k}__duplicates" for k in keys),
        *(f"{c}__range" for c in ranges),
        *(f"{c}__values" for c in value_sets),
    ]


def allowed_values(allowed: list | dict, catalogue: Catalogue) -> list:
    if isinstance(allowed, dict):  # {catalogue: metric | unit}
        field = allowed["catalogue"]
        return sorted(
            {m.id if field == "metric" else getattr(m, field) for m in catalogue.metrics.values()}
        )
    return list(allowed)


def series_frame(con: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame, list]:
    rows = con.sql(SERIES_SQL.format(table=table, limit=WITNESS_LIMIT)).fetchall()
    frame = pd.DataFrame(
        {"claim_id": [r[0] for r in rows], "headroom": [float(r[1]) for r in rows]}
    )
    return frame, [gx.expectations.ExpectColumnValuesToBeBetween(column="headroom", min_value=0)]


def padded_frame(columns: dict[str, list]) -> pd.DataFrame:
    length = max(1, *(len(v) for v in columns.values()))
    return pd.DataFrame(
        {
            name: pd.Series([*values, *[None] * (length - len(values))], dtype=object)
            for name, values in columns.items()
        }
    )


def raised(result: ExpectationValidationResult) -> str | None:
    """The exception message if GX could not evaluate the expectation. exception_info is
    either one {raised_exception, exception_message} or a mapping of metric id to those."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None


def judge(
    suite: str, results: list[ExpectationValidationResult], frame: pd.DataFrame
) -> tuple[list[Violation], list[str]]:
    violations: list[Violation] = []
    errors: list[str] = []
    for result in results:
        config = result.expectation_config
        column = config.kwargs.get("column")
        error = raised(result)
        if error is not None:
            errors.append(f"{suite}: {config.type} on {column} could not run: {error}")
            continue
        if result.success:
            continue
        observed = {
            k: result.result.get(k)
            for k in ("observed_value", "partial_unexpected_list", "details")
            if result.result.get(k) is not None
        }
        violations.append(
            Violation(
                message=f"{config.type} on {column}: expected {expected(config.kwargs)}; "
                f"observed {observed}",
                claim_ids=named_ids(column, result, frame),
                detail={"expectation": config.type, "kwargs": dict(config.kwargs), **observed},
            )
        )
    return violations, errors


def expected(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k not in ("column", "batch_id") and v is not None}


def named_ids(
    column: str | None, result: ExpectationValidationResult, frame: pd.DataFrame
) -> tuple[str, ...]:
    """Ids GX's verdict points at: duplicated keys, or claims below a series' earlier floor."""
    if column == "headroom":
        return tuple(frame.loc[frame["headroom"] < 0, "claim_id"])
    if column in ("claim_id", "event_id", "doc_id"):
        return tuple(sorted({str(v) for v in result.result.get("partial_unexpected_list", [])}))
    return ()
