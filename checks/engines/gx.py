"""The gx engine: Great Expectations suites (checks/gx/suites.yaml) over DuckDB tables.

Why GX runs on pandas over reductions, not on the tables:
- GX 1.x has no DuckDB datasource, and its SQL path through duckdb-engine returned empty
  results (GX closes the connection before fetching; upstream issues 10738 and 11579).
- GX on pandas over the whole table is ~22x a DuckDB scan and ~11 GB at 10M claims
  (bench/HISTORY.md): the validate stage must stay within 3x and 2 GB, so no table is fetched.

So DuckDB reduces each table, in the warehouse, to a small frame from which GX's own
expectation logic reaches the same verdict as on the whole table:
  ranges      the column's min and max       (all values in range ⇔ both are)
  value sets  the column's distinct values   (all in the set ⇔ every distinct one is)
  keys        each duplicated value twice    (unique ⇔ none)
  not null    the column's null count        (expected to be 0)
  row count   the table's row count          (expected in range)
  columns     "position name TYPE" per column (expected to equal the declared set)
  series      the claims below an earlier floor of their series (entity, cumulative metric
              and scope): their headroom (value_hi minus the highest value_lo of the claims
              ending before it starts) is negative; the worst, with their claim ids
              (expected >= 0; none when every series holds)
The frame is null-padded to one length; GX's column-map expectations ignore nulls.
The verdicts are GX's; counts of failing rows come from the SQL and pandera checks.

Why GX runs in a child process (checks/engines/gx_judge.py, started by its warm_up): it
imports GX (~3 s) on the other core while the run does everything before the GX checks; a
bundled run against a running server took 1.39x as long with GX in-process (bench/README.md).

A GX result carrying exception_info is an error of the check, never a pass or a failure; so
is a judge that died or answered with an exception. GX usage statistics and progress bars are
off: no network at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from checks import CHECKS_DIR
from checks.engines import gx_judge
from checks.engines.common import EngineRun, Violation, add_violations, repeated_keys
from checks.engines.gx_judge import JudgeError
from checks.registry import CheckSpec
from flows.catalogue import CURRENCY_CODE, CURRENCY_UNIT, Catalogue, read_yaml_mapping

Expectation = tuple[str, dict]  # (class in great_expectations.expectations, its kwargs)
Columns = dict[str, list]  # one frame: column name → values

__all__ = ["GxSession", "JudgeError", "judge", "raised"]

SUITES_PATH = CHECKS_DIR / "gx" / "suites.yaml"
WITNESS_LIMIT = 20  # duplicated keys / worst series points shown per expectation

SERIES_SQL = """
with

-- the reported cumulative claims, with only the columns the headroom reads; a series is an
-- entity's metric in one scope (stores in China are not a fall from stores worldwide)
series as (
    select claim_id, entity, metric, scope, value_lo, value_hi, period_start, period_end
    from {table}
    semi join (select metric from staging.metric_catalogue where cumulative) using (metric)
    where status = 'reported'
),

-- each claim once (numbered: a duplicated row is two claims, each with its own headroom)
claims as (
    select
        row_number() over () as claim_number, claim_id, entity, metric, scope, value_hi,
        period_start
    from series
),

ends as (
    select entity, metric, scope, period_end, value_lo from series
),

-- a claim's headroom is negative exactly when some claim of its series ending before it starts
-- has a higher lower bound, and then the highest of those is the highest of all (its floor):
-- so the join keeps only those claims (the hash join checks both inequalities as it matches),
-- instead of a window computing every claim's floor (3.4M claims in 200k series at 10M)
below as (
    select
        any_value(claims.claim_id) as claim_id,
        any_value(claims.value_hi) - max(ends.value_lo) as headroom
    from claims
    join ends
        on ends.entity = claims.entity
        and ends.metric = claims.metric
        and ends.scope = claims.scope
        and ends.period_end < claims.period_start
        and ends.value_lo > claims.value_hi
    group by claims.claim_number
)

select claim_id, headroom from below where headroom < 0 order by headroom, claim_id limit {limit}
"""


def load_suites(path: Path = SUITES_PATH) -> dict[str, dict]:
    return read_yaml_mapping(path)["suites"]


class GxSession:
    """One GX context (in the judge) per validate run, writing Data Docs under `docs_dir`.

    `submit` reduces a check's table and hands it to the judge without waiting; `run` waits for
    the verdict (submitting first if needed). Submitting early lets the judge work while this
    process runs the other checks."""

    def __init__(self, docs_dir: Path, catalogue: Catalogue, suites_path: Path = SUITES_PATH):
        self.docs_dir = docs_dir
        self.catalogue = catalogue
        self.suites = load_suites(suites_path)
        self._begin: Future | Exception | None
        try:
            self._begin = gx_judge.submit(gx_judge.begin, str(docs_dir))
        except JudgeError as exc:  # raised by the first check that needs the context
            self._begin = exc
        self._submitted: dict[str, tuple[Future, Columns] | Exception] = {}

    @property
    def index_path(self) -> Path:
        return self.docs_dir / "index.html"

    def submit(self, con: duckdb.DuckDBPyConnection, spec: CheckSpec) -> None:
        try:
            columns, expectations = self.reduce(con, spec)
            future = gx_judge.submit(gx_judge.validate, spec.id, columns, expectations)
        except Exception as exc:  # raised again by run(), where it makes the check an error
            self._submitted[spec.id] = exc
        else:
            self._submitted[spec.id] = (future, columns)

    def run(self, con: duckdb.DuckDBPyConnection, spec: CheckSpec) -> EngineRun:
        if spec.id not in self._submitted:
            self.submit(con, spec)
        submitted = self._submitted.pop(spec.id)
        if isinstance(submitted, Exception):
            raise submitted
        future, columns = submitted
        self._context_ready()
        violations, errors = judge(spec.id, gx_judge.answer(future), columns)
        return EngineRun(add_violations(con, spec.id, violations), tuple(errors))

    def reduce(
        self, con: duckdb.DuckDBPyConnection, spec: CheckSpec
    ) -> tuple[Columns, list[Expectation]]:
        declared = self.suites[spec.id]
        if "series" in declared:
            return series_frame(con, spec.table)
        return contract_frame(con, spec.table, declared, self.catalogue)

    def validate_frame(
        self, name: str, columns: Columns, expectations: list[Expectation]
    ) -> list[dict]:
        """GX's results (JSON dicts), one per expectation, on the frame of `columns`."""
        return self._ask(gx_judge.validate, name, columns, expectations)

    def start_docs(self) -> Callable[[], object]:
        """Have the judge render Data Docs of this session's results while the caller goes on;
        the function returned waits for them (JudgeError if they could not be rendered)."""
        future = gx_judge.submit(gx_judge.docs)
        self._context_ready()
        return partial(gx_judge.answer, future)

    def settings(self) -> dict:
        """The judge's GX settings: analytics and progress bars (tests)."""
        return self._ask(gx_judge.settings)

    def _ask(self, function: Callable, *args: object) -> Any:
        future = gx_judge.submit(function, *args)
        self._context_ready()
        return gx_judge.answer(future)

    def _context_ready(self) -> None:
        """Raise, once, why the judge could not create this session's context (as the first
        GX check's error)."""
        begin, self._begin = self._begin, None
        if isinstance(begin, Exception):
            raise begin
        if begin is not None:
            gx_judge.answer(begin)


def contract_frame(
    con: duckdb.DuckDBPyConnection, table: str, declared: dict, catalogue: Catalogue
) -> tuple[Columns, list[Expectation]]:
    """Reduce `table` in one aggregate scan (plus a lookup of duplicated keys, if any)."""
    keys = declared.get("keys", [])
    not_null = [*keys, *declared.get("not_null", [])]
    ranges = declared.get("ranges", {})
    value_sets = declared.get("value_sets", {})
    screened = screened_keys(con, declared, keys)
    counted = [k for k in keys if k not in screened]
    aggregates = ["count(*) as row_count"]
    aggregates += [f"count(*) - count({c}) as {c}__nulls" for c in not_null]
    # Keys are screened on a 64-bit hash (cheaper to count than strings): as many distinct
    # hashes as values proves them unique; otherwise the exact lookup below names them.
    aggregates += [
        f"count({k}) - count(distinct hash({k})) filter (where {k} is not null) as {k}__duplicates"
        for k in counted
    ]
    aggregates += [f"[min({c}), max({c})] as {c}__range" for c in ranges]
    aggregates += [f"list_sort(list(distinct {c})) as {c}__values" for c in value_sets]
    (summary,) = con.sql(f"select {', '.join(aggregates)} from {table}").fetchall()
    summary = dict(
        zip(
            ["row_count", *_aggregate_names(not_null, counted, ranges, value_sets)],
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
        (
            "ExpectColumnDistinctValuesToEqualSet",
            dict(
                column="columns",
                value_set=[
                    f"{i} {name} {kind}" for i, (name, kind) in enumerate(declared["columns"])
                ],
            ),
        )
    ]
    if "row_count" in declared:
        expectations.append(
            (
                "ExpectColumnValuesToBeBetween",
                dict(
                    column="row_count",
                    min_value=declared["row_count"].get("min"),
                    max_value=declared["row_count"].get("max"),
                ),
            )
        )
    for column in not_null:
        columns[f"{column}__nulls"] = [summary[f"{column}__nulls"]]
        expectations.append(
            (
                "ExpectColumnValuesToBeBetween",
                dict(column=f"{column}__nulls", min_value=0, max_value=0),
            )
        )
    for key in keys:
        candidates = screened.get(key)
        duplicated = []
        if candidates is None and summary[f"{key}__duplicates"]:  # (or a hash collision)
            duplicated = duplicated_keys(con, table, key, f"{key} is not null")
        elif candidates:
            duplicated = duplicated_keys(
                con, table, key, f"{key} in (select unnest(?))", candidates
            )
        columns[key] = duplicated
        expectations.append(("ExpectColumnValuesToBeUnique", dict(column=key)))
    for column, bounds in ranges.items():
        columns[column] = summary[f"{column}__range"]
        expectations.append(
            (
                "ExpectColumnValuesToBeBetween",
                dict(column=column, min_value=bounds.get("min"), max_value=bounds.get("max")),
            )
        )
    for column, allowed in value_sets.items():
        columns[column] = summary[f"{column}__values"] or []  # NULL on an empty table
        expectations.append(
            (
                "ExpectColumnValuesToBeInSet",
                dict(column=column, value_set=allowed_values(allowed, catalogue, columns[column])),
            )
        )
    return columns, expectations


def screened_keys(
    con: duckdb.DuckDBPyConnection, declared: dict, keys: list[str]
) -> dict[str, list[str]]:
    """Key → the only values that can repeat in the table, when that is known this run.

    A table declared `rows_of` a raw table holds a selection of its rows (staging.claims_valid:
    raw.claims less the quarantine), so a value repeated in it is repeated in the raw table;
    when the row-level check has read every row of the raw table this run and recorded the
    values repeated there (checks/engines/common.py, usually none), only those need looking up,
    not the table's 10M keys counted again (~2 CPU-s at 10M claims). Unknown: counted here."""
    if "rows_of" not in declared:
        return {}
    found = {k: repeated_keys(con, declared["rows_of"], k) for k in keys}
    return {k: values for k, values in found.items() if values is not None}


def duplicated_keys(
    con: duckdb.DuckDBPyConnection, table: str, key: str, where: str, *parameters: object
) -> list:
    """The first duplicated values of `key` among the rows `where` selects, each twice (the
    frame GX judges: unique ⇔ no value twice)."""
    found = con.execute(
        f"select {key} from {table} where {where} group by {key} "
        f"having count(*) > 1 order by {key} limit {WITNESS_LIMIT}",
        list(parameters),
    ).fetchall()
    return [value for (value,) in found for _ in range(2)]


def _aggregate_names(not_null, keys, ranges, value_sets) -> list[str]:
    return [
        *(f"{c}__nulls" for c in not_null),
        *(f"{k}__duplicates" for k in keys),
        *(f"{c}__range" for c in ranges),
        *(f"{c}__values" for c in value_sets),
    ]


def allowed_values(allowed: list | dict, catalogue: Catalogue, found: list) -> list:
    """The value set of a suite's `value_sets` entry: its list, or {catalogue: metric | unit |
    scope} for the catalogue's. Units: the metrics' units, and where one is `currency` the
    currency codes among the values `found` (the set of codes is open; which metric a code
    may go with is the row-level contract's business)."""
    if not isinstance(allowed, dict):
        return list(allowed)
    field = allowed["catalogue"]
    if field == "scope":
        return sorted(catalogue.scopes)
    if field == "metric":
        return sorted(catalogue.metrics)
    units = {m.unit for m in catalogue.metrics.values()}
    if CURRENCY_UNIT in units:
        units |= {v for v in found if isinstance(v, str) and re.fullmatch(CURRENCY_CODE, v)}
    return sorted(units)


def series_frame(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Columns, list[Expectation]]:
    rows = con.sql(SERIES_SQL.format(table=table, limit=WITNESS_LIMIT)).fetchall()
    columns = {"claim_id": [r[0] for r in rows], "headroom": [float(r[1]) for r in rows]}
    return columns, [("ExpectColumnValuesToBeBetween", {"column": "headroom", "min_value": 0})]


def raised(result: dict) -> str | None:
    """The exception message if GX could not evaluate the expectation. exception_info is
    either one {raised_exception, exception_message} or a mapping of metric id to those."""
    info = result.get("exception_info") or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None


def judge(suite: str, results: list[dict], columns: Columns) -> tuple[list[Violation], list[str]]:
    """GX's results (JSON dicts) as violations, and as errors where GX could not evaluate."""
    violations: list[Violation] = []
    errors: list[str] = []
    for result in results:
        kind = result["expectation_config"]["type"]
        kwargs = result["expectation_config"]["kwargs"]
        column = kwargs.get("column")
        error = raised(result)
        if error is not None:
            errors.append(f"{suite}: {kind} on {column} could not run: {error}")
            continue
        if result["success"]:
            continue
        outcome = result.get("result") or {}
        observed = {
            k: outcome[k]
            for k in ("observed_value", "partial_unexpected_list", "details")
            if outcome.get(k) is not None
        }
        violations.append(
            Violation(
                message=f"{kind} on {column}: expected {expected(kwargs)}; observed {observed}",
                claim_ids=named_ids(column, outcome, columns),
                detail={"expectation": kind, "kwargs": dict(kwargs), **observed},
            )
        )
    return violations, errors


def expected(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k not in ("column", "batch_id") and v is not None}


def named_ids(column: str | None, outcome: dict, columns: Columns) -> tuple[str, ...]:
    """Ids GX's verdict points at: duplicated keys, or claims below a series' earlier floor."""
    if column == "headroom":
        return tuple(
            claim_id
            for claim_id, headroom in zip(columns["claim_id"], columns["headroom"], strict=True)
            if headroom < 0
        )
    if column in ("claim_id", "event_id", "doc_id"):
        return tuple(sorted({str(v) for v in outcome.get("partial_unexpected_list", [])}))
    return ()
