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


def records_table(records: Sequence[object], record_type: type) -> pa.Table:
    """Dataclass records of `record_type` as one Arrow table, a column per field.

    Built where the records are made (an extraction task, on a Dask worker if there is one):
    an Arrow table crosses processes as a few buffers, where 20,000 dataclass instances cost
    ~0.2 s to pickle and as much to unpickle in the flow's process (bench/README.md)."""
    names = [f.name for f in fields(record_type)]
    return pa.table({n: [getattr(r, n) for r in records] for n in names})


def insert_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    batch: pa.Table,
    extra: dict[str, object] | None = None,
) -> int:
    """Append an Arrow table to `table`, matching columns by name, with `extra` columns set
    to one value on every row; returns rows written."""
    if batch.num_rows == 0:
        return 0
    for name, value in (extra or {}).items():
        batch = batch.append_column(name, pa.array([value] * batch.num_rows))
    con.register("_incoming", batch)
    try:
        column_list = ", ".join(batch.column_names)
        con.execute(f"insert into {table} ({column_list}) select {column_list} from _incoming")
    finally:
        con.unregister("_incoming")
    return batch.num_rows


def insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Sequence[object],
    extra: dict[str, object] | None = None,
) -> int:
    """Append dataclass records to `table`, matching columns by name; returns rows written."""
    if not records:
        return 0
    return insert_table(con, table, records_table(records, type(records[0])), extra)
