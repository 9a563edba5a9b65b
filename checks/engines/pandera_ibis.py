"""The pandera engine: validate raw tables inside DuckDB with pandera's Ibis backend.

Per guarded table, DuckDB first computes the window and join results as boolean columns
(checks/pandera_schemas.py, DERIVED_SQL) into a temp table, once, so pandera's per-check
queries scan a few narrow columns instead of recomputing joins (for raw.claims, every row rule
and only the rows that break one). Both schemas are then
validated lazily. pandera files a check that could not run (e.g. a window function inside a
custom check) as a "CHECK_ERROR" failure case instead of raising: that is counted as an error
of the check, never as violations."""

from __future__ import annotations

import copy
from collections.abc import Iterable

import duckdb
import ibis
import pandera.ibis as pa
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaError, SchemaErrorReason, SchemaErrors

from checks.engines.common import EngineRun, Violation, add_violations, record_repeated_keys
from checks.pandera_schemas import DERIVED_SQL, ID_COLUMN, SCHEMAS
from checks.registry import CheckSpec

# Document text can be megabytes: never copy it into a violation's detail.
LEFT_OUT_OF_DETAIL = ("text",)


def run_pandera_check(con: duckdb.DuckDBPyConnection, spec: CheckSpec) -> EngineRun:
    raw_schema, derived_schema = SCHEMAS[spec.table]
    id_column = ID_COLUMN[spec.table]
    raw = _relation(con, spec.table)
    raw_check = (nulls_answered(con, raw_schema, spec.table, raw), raw)
    derived_table = "pandera_" + spec.table.replace(".", "_")
    try:
        con.execute(f"create or replace temp table {derived_table} as {DERIVED_SQL[spec.table]}")
    except duckdb.Error as exc:  # e.g. a column of the wrong type: the raw schema says which
        found, failed_to_run = validate_in_duckdb(*raw_check, id_column)
        reason = f"{spec.table}: derived columns could not be computed: {exc}"
        return EngineRun(add_violations(con, spec.id, found), (*failed_to_run, reason))
    # The repeated ids are a fact about the raw table that GX reuses for the published tables
    # made of its rows (checks/engines/gx.py: rows_of), instead of counting 10M ids again.
    record_repeated_keys(con, spec.table, id_column, derived_table, f"{id_column}_is_unique")
    violations: list[Violation] = []
    errors: list[str] = []
    derived_check = (derived_schema, ibis.duckdb.from_connection(con).table(derived_table))
    for schema, relation in (raw_check, derived_check):
        found, failed_to_run = validate_in_duckdb(schema, relation, id_column)
        violations.extend(found)
        errors.extend(failed_to_run)
    con.execute(f"drop table if exists {derived_table}")
    return EngineRun(add_violations(con, spec.id, violations), tuple(errors))


def _relation(con: duckdb.DuckDBPyConnection, table: str) -> ibis.Table:
    schema_name, table_name = table.split(".")
    return ibis.duckdb.from_connection(con).table(table_name, database=schema_name)


def warm_up(empty_warehouse: duckdb.DuckDBPyConnection) -> None:
    """Validate each raw table's schema once against the empty tables of `empty_warehouse`.

    A process's first validation through Ibis builds what every later one reuses (Ibis's DuckDB
    compiler, sqlglot's dialect, pandera's backends): ~0.15 s, which the run's first check
    paid (bench/HISTORY.md, End to end). Done on the thread that imports pandera before the
    flow reaches validate (flows.validate.warm_up_checks)."""
    for table, (raw_schema, _) in SCHEMAS.items():
        validate_in_duckdb(raw_schema, _relation(empty_warehouse, table), ID_COLUMN[table])


def nulls_answered(
    con: duckdb.DuckDBPyConnection, schema: pa.DataFrameSchema, table: str, relation: ibis.Table
) -> pa.DataFrameSchema:
    """`schema` without the null checks DuckDB has already answered: those of the non-nullable
    columns that hold no null. On Ibis, pandera checks each such column with a scan of its own
    (20 scans of raw.claims, ~1 CPU-s at 10M claims); DuckDB answers them all at once, from its
    statistics when they prove a column has no null. A column that does hold one keeps
    pandera's check, which names it as before; so do the columns the table lacks."""
    types = relation.schema()
    required = [
        name for name, column in schema.columns.items() if not column.nullable and name in types
    ]
    if not required:
        return schema
    null_free = set(required) - columns_holding_nulls(con, table, required, types)
    answered = copy.deepcopy(schema)
    for name in null_free:
        answered.columns[name].nullable = True
    return answered


def columns_holding_nulls(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], types: ibis.Schema
) -> set[str]:
    """The columns of `table` holding a null, or a NaN in a floating column (pandera counts NaN
    as null there). Two queries: `count(*) - count(c)` alone is answered from statistics, while
    any filtered count in the same query would make DuckDB scan every column it names."""
    nulls = _counts(con, table, [f"count(*) - count({_quoted(c)})" for c in columns])
    holding = {c for c, count in zip(columns, nulls, strict=True) if count}
    floating = [c for c in columns if types[c].is_floating() and c not in holding]
    if floating:
        nans = _counts(
            con, table, [f"count(*) filter (where isnan({_quoted(c)}))" for c in floating]
        )
        holding |= {c for c, count in zip(floating, nans, strict=True) if count}
    return holding


def _counts(con: duckdb.DuckDBPyConnection, table: str, aggregates: list[str]) -> list[int]:
    (counts,) = con.execute(f"select [{', '.join(aggregates)}] from {table}").fetchone()
    return counts


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def validate_in_duckdb(
    schema: pa.DataFrameSchema, relation: ibis.Table, id_column: str
) -> tuple[list[Violation], list[str]]:
    """Validate lazily; return (violations, errors of checks that could not run).

    An empty table is validated for its schema only: pandera 0.35's Ibis null check reads
    `bool_and` over no rows, which is NULL in SQL, and reports nulls that are not there."""
    is_empty = relation.count().to_pyarrow().as_py() == 0
    depth = ValidationDepth.SCHEMA_ONLY if is_empty else ValidationDepth.SCHEMA_AND_DATA
    try:
        with config_context(validation_depth=depth):
            schema.validate(relation, lazy=True)
    except SchemaErrors as exc:
        return split_schema_errors(schema.name, exc.schema_errors, id_column)
    return [], []


def split_schema_errors(
    schema_name: str | None, schema_errors: Iterable[SchemaError], id_column: str
) -> tuple[list[Violation], list[str]]:
    violations: list[Violation] = []
    errors: list[str] = []
    for error in schema_errors:
        check = error.check
        check_name = getattr(check, "name", None) or str(check)
        if error.reason_code == SchemaErrorReason.CHECK_ERROR:
            errors.append(f"{schema_name}: check {check_name} could not run: {error.failure_cases}")
        elif error.reason_code == SchemaErrorReason.DATAFRAME_CHECK:
            violations.extend(
                row_violation(f"{check_name}: {check.error}", row, id_column)
                for row in error.failure_cases["failure_case"]
            )
        else:  # types, nullability, columns: about the table, not one row
            violations.append(
                Violation(
                    message=f"{schema_name}: {error.reason_code.name.lower()}: "
                    f"{str(error).splitlines()[0]}",
                    detail={"column": getattr(error, "column_name", None)},
                )
            )
    return violations, errors


def row_violation(message: str, row: dict, id_column: str) -> Violation:
    record_id = row.get(id_column)
    return Violation(
        message=message,
        claim_ids=(str(record_id),) if record_id is not None else (),
        files=(str(row["file"]),) if row.get("file") is not None else (),
        quotes=(str(row["quote"]),) if row.get("quote") is not None else (),
        detail={k: v for k, v in row.items() if k not in LEFT_OUT_OF_DETAIL},
    )
