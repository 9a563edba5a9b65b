"""The sql engine: run checks/sql/assert_<id>.sql and keep the rows it returns.

Each query returns its violating rows with at least `claim_ids`, `files`, `quotes` (lists) and
`message`; the whole row is kept as JSON (`detail`) so a report can show both sides' dates
and values. The rows never leave DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from checks.engines.common import PENDING, EngineRun
from checks.registry import CheckSpec


def run_sql_check(con: duckdb.DuckDBPyConnection, spec: CheckSpec, checks_dir: Path) -> EngineRun:
    query = read_query(spec, checks_dir)
    try:
        con.execute(
            f"""
            insert into {PENDING} (check_id, claim_ids, files, quotes, message, detail)
            select $check_id, found.claim_ids, found.files, found.quotes, found.message,
                to_json(found)::varchar
            from (
                {query}
            ) as found
            """,
            {"check_id": spec.id},
        )
    except duckdb.Error as exc:
        return EngineRun(0, (f"{spec.sql_path(checks_dir).name}: {exc}",))
    (count,) = con.execute(
        f"select count(*) from {PENDING} where check_id = ?", [spec.id]
    ).fetchone()
    return EngineRun(count)


def read_query(spec: CheckSpec, checks_dir: Path) -> str:
    """The check's query, ready to nest: a trailing ';' would end the outer statement."""
    return spec.sql_path(checks_dir).read_text(encoding="utf-8").strip().rstrip(";")


def violating_rows(
    con: duckdb.DuckDBPyConnection, spec: CheckSpec, checks_dir: Path
) -> duckdb.DuckDBPyRelation:
    """The check's rows as a DuckDB relation (for tests and reports)."""
    return con.sql(read_query(spec, checks_dir))
