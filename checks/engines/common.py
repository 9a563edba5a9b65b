"""What every engine hands back, and where it puts the violations it finds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

PENDING = "pending_violations"  # a temp table: this connection, this run only
REPEATED_KEYS = "repeated_keys"  # likewise

# This run's scratch tables, made afresh by flows.validate.prepare_staging as each run begins:
# the violations found and not yet filed, and the keys a row-level check found repeated in a
# raw table (checks/engines/pandera_ibis.py), which GX reuses for a table made of that table's
# rows (checks/engines/gx.py). Made afresh, so no run reads what another run established.
PENDING_DDL = f"""
create or replace temp table {PENDING} (
    check_id  varchar not null,
    claim_ids varchar[] not null,
    files     varchar[] not null,
    quotes    varchar[] not null,
    message   varchar not null,
    detail    varchar
);
create or replace temp table {REPEATED_KEYS} (
    table_name  varchar not null,   -- the raw table whose rows were all read, e.g. raw.claims
    column_name varchar not null,   -- its key column
    repeated    varchar[] not null  -- the non-null values it holds more than once (usually none)
)
"""


@dataclass(frozen=True)
class Violation:
    """One broken rule, named by the claims (or events, documents) that break it."""

    message: str
    claim_ids: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineRun:
    """An engine's account of one check. errors: why (part of) it could not be evaluated;
    a check with errors has status `error`, whatever violations it also found."""

    violation_count: int
    errors: tuple[str, ...] = ()


def add_violations(
    con: duckdb.DuckDBPyConnection, check_id: str, violations: Sequence[Violation]
) -> int:
    """Append violations found in Python (pandera, GX) to the pending table."""
    if not violations:
        return 0
    batch = pa.table(
        {
            "check_id": [check_id] * len(violations),
            "claim_ids": [list(v.claim_ids) for v in violations],
            "files": [list(v.files) for v in violations],
            "quotes": [list(v.quotes) for v in violations],
            "message": [v.message for v in violations],
            "detail": [json.dumps(v.detail, default=str, sort_keys=True) for v in violations],
        },
        schema=pa.schema(
            [
                ("check_id", pa.string()),
                ("claim_ids", pa.list_(pa.string())),
                ("files", pa.list_(pa.string())),
                ("quotes", pa.list_(pa.string())),
                ("message", pa.string()),
                ("detail", pa.string()),
            ]
        ),
    )
    con.register("_found_violations", batch)
    try:
        con.execute(f"insert into {PENDING} by name select * from _found_violations")
    finally:
        con.unregister("_found_violations")
    return len(violations)


def record_repeated_keys(
    con: duckdb.DuckDBPyConnection, table: str, column: str, judged: str, is_unique: str
) -> None:
    """Record, for this run, the values of `table`.`column` that repeat, read from `judged`
    (rows of `table` with the boolean `is_unique` per row, false for every repeated one)."""
    if not _run_table_exists(con, REPEATED_KEYS):  # no run under way (an engine on its own)
        return
    con.execute(
        f"""
        insert into {REPEATED_KEYS}
        select ?, ?, coalesce(list(distinct {column}::varchar), [])
        from {judged}
        where not {is_unique} and {column} is not null
        """,
        [table, column],
    )


def repeated_keys(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str] | None:
    """The values of `table`.`column` found repeated this run, or None if nobody looked."""
    if not _run_table_exists(con, REPEATED_KEYS):
        return None
    found = con.execute(
        f"select repeated from {REPEATED_KEYS} where table_name = ? and column_name = ?",
        [table, column],
    ).fetchall()
    return found[0][0] if len(found) == 1 else None


def _run_table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether this connection has the temp table `name`. Asked, not tried: reading a missing
    table makes DuckDB's Python client look for a Python variable of that name instead, and
    fail with an error that does not say the table is missing."""
    (count,) = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [name]
    ).fetchone()
    return count > 0
