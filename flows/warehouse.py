"""The working DuckDB: open it, lay out its schemas, write records into it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from functools import cache
from operator import attrgetter
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
    add_new_columns(con)
    return con


# Columns schema.sql has gained since a warehouse could have been made: (schema, table,
# column). `create table if not exists` leaves an older table as it was.
ADDED_COLUMNS = (
    ("raw", "claims", "scope"),
    ("quarantine", "claims", "scope"),
)


def add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a warehouse made before a column of ADDED_COLUMNS up to schema.sql.

    The table is made again from schema.sql and its rows copied over by name (the new column
    takes its default, e.g. scope 'global'), rather than ALTER TABLE ADD COLUMN, which would
    put the column last: then an old warehouse would have another column order than a new
    one, and the published contract (checks/gx/suites.yaml) lists columns in order."""
    for schema, table, column in ADDED_COLUMNS:
        (present,) = con.execute(
            """
            select count(*) from duckdb_columns()
            where database_name = current_database()
                and schema_name = ? and table_name = ? and column_name = ?
            """,
            [schema, table, column],
        ).fetchone()  # type: ignore[misc]
        if present:
            continue
        old = f"{table}_before_{column}"
        con.begin()
        try:
            con.execute(f"alter table {schema}.{table} rename to {old}")
            con.execute(SCHEMA_SQL.read_text())  # makes {schema}.{table} as declared now
            con.execute(f"insert into {schema}.{table} by name select * from {schema}.{old}")
            con.execute(f"drop table {schema}.{old}")
        except BaseException:
            con.rollback()
            raise
        con.commit()


# Arrow types of the record fields' annotations; a field of another type is inferred.
ARROW_TYPES = {
    "str": pa.string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


@cache
def arrow_fields(record_type: type) -> tuple[tuple[str, pa.DataType | None], ...]:
    """(name, Arrow type or None to infer) per field of a dataclass, from its annotations
    ("str | None" is a nullable str)."""
    return tuple(
        (f.name, ARROW_TYPES.get(str(f.type).removesuffix(" | None"))) for f in fields(record_type)
    )


def records_table(records: Sequence[object], record_type: type) -> pa.Table:
    """Dataclass records of `record_type` as one Arrow table, a column per field.

    Built where the records are made (an extraction task, on a Dask worker if there is one):
    an Arrow table crosses processes as a few buffers, where 20,000 dataclass instances cost
    ~0.2 s to pickle and as much to unpickle in the flow's process (bench/HISTORY.md). Columns
    are read with one attrgetter per record and typed from the annotations, not inferred:
    0.38 -> 0.25 CPU-s for the claims and events of 5,000 documents."""
    named = arrow_fields(record_type)
    names = [name for name, _ in named]
    rows = (
        list(map(attrgetter(*names), records))
        if len(names) > 1
        else [(getattr(r, names[0]),) for r in records]
    )
    columns = zip(*rows, strict=True) if rows else ([] for _ in names)
    return pa.table(
        {
            name: pa.array(column, type=type_)
            for (name, type_), column in zip(named, columns, strict=True)
        }
    )


def records_of(table: pa.Table, record_type: type) -> list:
    """The records a `records_table` holds, back as `record_type` instances."""
    return [record_type(**row) for row in table.to_pylist()]


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
