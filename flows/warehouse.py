"""The working DuckDB: open it, lay out its schemas, write records into it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import duckdb
import pyarrow as pa

SCHEMA_SQL = Path(__file__).parent / "sql" / "schema.sql"


def connect(path: Path | str, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a warehouse and make sure its tables exist.

    memory_limit (e.g. "1GB") caps DuckDB's buffer pool; beyond it DuckDB spills to disk,
    which is what keeps a 10M-claim validation under 2 GB of RSS.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(str(path), config=config)
    con.execute(SCHEMA_SQL.read_text())
    return con


def insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Sequence[object],
    extra: dict[str, object] | None = None,
) -> int:
    """Append dataclass records to `table`, matching columns by name; returns rows written."""
    if not records:
        return 0
    names = [f.name for f in fields(records[0])]  # type: ignore[arg-type]
    columns = {n: [getattr(r, n) for r in records] for n in names}
    for name, value in (extra or {}).items():
        columns[name] = [value] * len(records)
    batch = pa.table(columns)
    con.register("_incoming", batch)
    try:
        column_list = ", ".join(columns)
        con.execute(f"insert into {table} ({column_list}) select {column_list} from _incoming")
    finally:
        con.unregister("_incoming")
    return len(records)
