"""The publish stage: build the next publication, then make it current in one step.

A publication is one directory, data/curated/publications/<version>/, holding everything a
reader sees of one run: factledger.duckdb, parquet/<schema>/<table>.parquet and report/.
data/curated/current is a relative symlink to the current one, repointed with one
os.replace() (atomic on POSIX), so no crash can pair the database of one publication with
the Parquet or report of another. Readers use stable links that go through it:
data/curated/factledger.duckdb, data/curated/parquet and data/curated/report.

- build_publication() writes a new version directory (the report stage then writes its
  report into it); make_current() swaps the link and prunes old versions.
- A reader holding a file of the previous version keeps reading it: the previous version is
  always kept, and older ones beyond `publications_kept` are removed.
- A crash (even SIGKILL) at any point leaves the previous publication current; a version
  newer than the current one never went live, and the next build removes it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks import CHECKS_DIR
from checks.registry import load_check_catalogue
from flows.catalogue import CatalogueError, load_catalogue, read_yaml_mapping
from flows.load import utc_now
from flows.resolve import load_resolution_rules
from flows.runtime.pause import pause_point
from flows.runtime.settings import Settings

CURATED_SQL = Path(__file__).parent / "sql" / "curated"
VIEWS_SQL = Path(__file__).parent / "sql" / "views"
COLUMNS_YAML_NAME = "columns.yaml"
PUBLISHED_NAME = "factledger.duckdb"
PARQUET_NAME = "parquet"
REPORT_NAME = "report"
PUBLICATIONS_DIR = "publications"
CURRENT_LINK = "current"
# What readers open, each a link through `current`, made once.
STABLE_NAMES = (PUBLISHED_NAME, PARQUET_NAME, REPORT_NAME)

# Build order: each curated table may read the ones before it.
CURATED_TABLES = ("claims", "events", "documents", "metric_timeline", "footprint")
# Warehouse schemas copied whole into the publication (history across runs).
COPIED_SCHEMAS = ("audit", "quarantine")


class PublishError(RuntimeError):
    """The publication could not be built; the previous one is untouched."""


@dataclass(frozen=True)
class Publication:
    """One version directory: built by build_publication(), current after make_current()."""

    run_id: str
    directory: Path  # data/curated/publications/<version>
    row_counts: dict[str, int]  # "curated.claims" → rows, for every published table
    undocumented: tuple[str, ...] = ()  # "schema.table.column" with no entry in columns.yaml

    @property
    def version(self) -> str:
        return self.directory.name

    @property
    def database(self) -> Path:
        return self.directory / PUBLISHED_NAME

    @property
    def parquet_dir(self) -> Path:
        return self.directory / PARQUET_NAME

    @property
    def report_dir(self) -> Path:
        return self.directory / REPORT_NAME


def published_path(settings: Settings) -> Path:
    """The current publication's database, as readers open it (a link through `current`)."""
    return settings.curated_dir / PUBLISHED_NAME


def publish(settings: Settings, run_id: str) -> Publication:
    """Build the next publication and make it current (without a report: the pipeline writes
    one into it between the two steps)."""
    publication = build_publication(settings, run_id)
    make_current(settings, publication)
    return publication


def build_publication(settings: Settings, run_id: str) -> Publication:
    """Write a new version directory from the warehouse: the database and its Parquet
    copies. Nothing a reader sees changes until make_current()."""
    if not settings.warehouse_path.exists():
        raise PublishError(f"run {run_id}: no warehouse at {settings.warehouse_path}")
    versions = settings.curated_dir / PUBLICATIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    with publish_lock(settings.curated_dir):
        remove_unpublished_versions(settings.curated_dir)
        directory = versions / version_name(run_id)
        directory.mkdir()
        try:
            row_counts, undocumented = build_database(settings, run_id, directory / PUBLISHED_NAME)
            pause_point("built")
            export_parquet(directory / PUBLISHED_NAME, directory / PARQUET_NAME)
            pause_point("exported")
        except duckdb.FatalException as exc:  # a write that failed (a full disk): not a bug
            shutil.rmtree(directory, ignore_errors=True)
            raise PublishError(f"run {run_id}: could not write {directory}: {exc}") from exc
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
    return Publication(run_id, directory, row_counts, undocumented)


def make_current(settings: Settings, publication: Publication) -> None:
    """The one step that publishes: repoint `current` at the new version. Then prune."""
    curated_dir = settings.curated_dir
    with publish_lock(curated_dir):
        for path in (publication.database, *publication.parquet_dir.rglob("*.parquet")):
            sync_file(path)
        sync_dir(publication.directory)
        pause_point("ready")
        swap_symlink(curated_dir / CURRENT_LINK, f"{PUBLICATIONS_DIR}/{publication.version}")
        pause_point("swapped")
        make_stable_links(curated_dir)
        prune_versions(curated_dir, keep=settings.publications_kept)


def version_name(run_id: str) -> str:
    """'<UTC time of the build>.<run_id>': sorting the names sorts the builds."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", run_id):
        raise PublishError(f"run id {run_id!r} cannot name a publication directory")
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.{run_id}"


def run_of_version(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else ""


def current_version(curated_dir: Path) -> str | None:
    """The name of the current publication's directory; None before the first."""
    link = curated_dir / CURRENT_LINK
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def shell_command(
    settings: Settings, sql: str | None = None, shell_args: Sequence[str] = ()
) -> list[str]:
    """argv for `factledger sql [DUCKDB ARGS]`: the duckdb CLI of this environment (the same
    DuckDB release as the Python package, so it reads the file), read-only, on the published
    file, followed by `shell_args` as given (duckdb's own flags: -csv, -json, -c SQL, ...)
    and, with `sql`, `-c sql`."""
    argv = [duckdb_cli(), "-readonly", str(published_path(settings)), *shell_args]
    return [*argv, "-c", sql] if sql is not None else argv


def duckdb_cli() -> str:
    beside_python = Path(sys.executable).parent / "duckdb"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("duckdb")
    if found is None:
        raise PublishError(f"no duckdb CLI beside {sys.executable} or on PATH")
    return found


# --- building the database ---------------------------------------------------------------


def build_database(
    settings: Settings, run_id: str, target: Path
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Write the whole publication into `target` (a new file) and close it cleanly."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach {sql_string(str(settings.warehouse_path))} as warehouse (read_only)")
        load_context(con, settings, run_id)
        for schema in ("curated", *COPIED_SCHEMAS):
            con.execute(f"create schema {schema}")
        for name in CURATED_TABLES:
            build_curated_table(con, name)
            pause_point("building")
        copy_warehouse_schemas(con)
        show_run_as_published(con, run_id)
        copy_check_catalogue(con)
        record_timeline_changes(con, published_path(settings), run_id)
        create_views(con)
        undocumented = apply_comments(con, load_column_catalogue(settings))
        con.execute("detach warehouse")
        row_counts = count_rows(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return row_counts, undocumented


def load_context(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    """Temp tables the curated SQL reads besides the warehouse: the run and the metrics."""
    con.execute("create temp table publish_context as select ?::varchar as run_id", [run_id])
    metrics = list(load_catalogue(settings.catalogue_dir).metrics.values())
    batch = pa.table(
        {
            "metric": [m.id for m in metrics],
            "unit": [m.unit for m in metrics],
            "kind": [m.kind for m in metrics],
            "stock_of": pa.array([m.stock_of for m in metrics], pa.string()),
        }
    )
    con.register("_metrics", batch)
    con.execute("create temp table metric_catalogue as select * from _metrics order by metric")
    con.unregister("_metrics")
    known = con.execute(
        "select count(*) from warehouse.audit.runs where run_id = ?", [run_id]
    ).fetchone()
    if not known or known[0] == 0:
        raise PublishError(f"run {run_id}: not in audit.runs of {settings.warehouse_path}")


def build_curated_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    path = CURATED_SQL / f"{name}.sql"
    query = path.read_text(encoding="utf-8")
    try:
        con.execute(f"create table curated.{name} as\n{query}")
    except duckdb.Error as exc:
        raise PublishError(f"curated.{name} ({path}): {exc}") from exc


def view_files() -> list[Path]:
    """flows/sql/views/<schema>/<name>.sql: each the view <schema>.<name> (the README's
    queries, so an analyst types one name)."""
    return sorted(VIEWS_SQL.glob("*/*.sql"))


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for path in view_files():
        name = f"{path.parent.name}.{path.stem}"
        try:
            con.execute(f"create view {name} as\n{path.read_text(encoding='utf-8')}")
            con.execute(f"select * from {name} limit 0")  # bound now, not by the first reader
        except duckdb.Error as exc:
            raise PublishError(f"view {name} ({path}): {exc}") from exc


def copy_warehouse_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """audit.* and quarantine.* go with the publication, whole (their history across runs),
    in a stable order: every column, ascending."""
    tables = con.execute(
        """
        select schema_name, table_name
        from duckdb_tables()
        where database_name = 'warehouse' and schema_name in ?
        order by schema_name, table_name
        """,
        [list(COPIED_SCHEMAS)],
    ).fetchall()
    for schema, table in tables:
        con.execute(
            f"create table {schema}.{table} as "
            f"select * from warehouse.{schema}.{table} order by all"
        )


def show_run_as_published(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """In the warehouse the run is 'publishing' until its publication is current; a reader
    only ever sees this publication once it is, so its copy shows the run completed."""
    con.execute(
        "update audit.runs set status = 'completed', finished_at = coalesce(finished_at, ?)"
        " where run_id = ? and status = 'publishing'",
        [utc_now(), run_id],
    )


def copy_check_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """audit.checks: what each check means, so failures can be read from SQL alone."""
    specs = load_check_catalogue(CHECKS_DIR)
    batch = pa.table(
        {
            "check_id": [s.id for s in specs],
            "description": [s.description for s in specs],
            "engine": [s.engine for s in specs],
            "severity": [s.severity for s in specs],
            "guarded_table": [s.table for s in specs],
        }
    )
    con.register("_checks", batch)
    con.execute("create table audit.checks as select * from _checks order by check_id")
    con.unregister("_checks")
    copy_resolution_rules(con)


def copy_resolution_rules(con: duckdb.DuckDBPyConnection) -> None:
    """audit.resolution_rules: the rules of checks/resolution.yaml in priority order, so that
    a dispute's rule_id can be read in words from SQL (and the report) alone."""
    rules = load_resolution_rules(CHECKS_DIR).rules
    batch = pa.table(
        {
            "rule_id": pa.array([r.id for r in rules], pa.string()),
            "priority": pa.array(range(1, len(rules) + 1), pa.int32()),
            "method": pa.array([r.method for r in rules], pa.string()),
            "description": pa.array([" ".join(r.description.split()) for r in rules], pa.string()),
        }
    )
    con.register("_rules", batch)
    con.execute("create table audit.resolution_rules as select * from _rules order by priority")
    con.unregister("_rules")


TIMELINE_CHANGES_SQL = Path(__file__).parent / "sql" / "timeline_changes.sql"
TIMELINE_CHANGES_DDL = """
create table audit.timeline_changes (
    run_id          varchar not null,
    previous_run_id varchar not null,
    change          varchar not null,
    entity          varchar not null,
    metric          varchar not null,
    scope           varchar not null,
    unit            varchar not null,
    period_start    date not null,
    period_end      date not null,
    value_before    varchar,
    value_after     varchar,
    dispute_before  varchar,
    dispute_after   varchar
)
"""


def record_timeline_changes(con: duckdb.DuckDBPyConnection, previous: Path, run_id: str) -> None:
    """audit.timeline_changes: what the publication before this one held of each timeline point
    this run changed, so the report can show a value before and after the run. The history goes
    from publication to publication (the warehouse never sees a publication): the previous
    one's rows are carried over, and this run's are added, compared with it. Republishing the
    same run carries its rows over unchanged. With no previous publication, or one that cannot
    be read, there is nothing to compare: no rows for this run."""
    con.execute(TIMELINE_CHANGES_DDL)
    if not previous.exists():
        return
    try:
        con.execute(f"attach {sql_string(str(previous))} as previous (read_only)")
    except duckdb.Error:
        return  # not a DuckDB file this release can read: the run is compared with nothing
    try:
        tables = attached_tables(con, "previous")
        if "audit.timeline_changes" in tables:
            con.execute(
                "insert into audit.timeline_changes by name "
                "select * from previous.audit.timeline_changes where run_id <> ?",
                [run_id],
            )
        previous_run = latest_run(con) if "audit.runs" in tables else None
        if previous_run == run_id and "audit.timeline_changes" in tables:
            con.execute(
                "insert into audit.timeline_changes by name "
                "select * from previous.audit.timeline_changes where run_id = ?",
                [run_id],
            )
        elif previous_run is not None and "curated.metric_timeline" in tables:
            compare_timelines(con, run_id, previous_run)
    finally:
        con.execute("detach previous")


def attached_tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() where database_name = ?",
        [database],
    ).fetchall()
    return {name for (name,) in rows}


def latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run the previous publication was made by: the last it recorded (runs never
    interleave, and each publication is built as its run ends)."""
    found = con.execute(
        "select run_id from previous.audit.runs order by started_at desc, run_id desc limit 1"
    ).fetchone()
    return found[0] if found else None


def compare_timelines(con: duckdb.DuckDBPyConnection, run_id: str, previous_run: str) -> None:
    (has_dispute,) = con.execute(
        """
        select count(*) from duckdb_columns()
        where database_name = 'previous' and schema_name = 'curated'
            and table_name = 'metric_timeline' and column_name = 'dispute'
        """
    ).fetchone()  # type: ignore[misc]
    query = TIMELINE_CHANGES_SQL.read_text(encoding="utf-8").format(
        dispute_before="dispute" if has_dispute else "null::varchar"
    )
    con.execute(
        f"insert into audit.timeline_changes by name {query}",
        {"run_id": run_id, "previous_run_id": previous_run},
    )


def count_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = con.execute(
        """
        select schema_name || '.' || table_name
        from duckdb_tables()
        where database_name = current_database() and not temporary
        order by 1
        """
    ).fetchall()
    return {
        name: con.execute(f"select count(*) from {name}").fetchone()[0]  # type: ignore[index]
        for (name,) in tables
    }


# --- column meanings (catalogue/columns.yaml) ----------------------------------------------


@dataclass(frozen=True)
class ColumnCatalogue:
    """Each column's meaning once: `columns` are shared by name, a table's own `columns`
    override them where the same name means something else there."""

    tables: dict[str, str]  # "curated.claims" → what the table holds
    shared: dict[str, str]  # column name → meaning (and unit)
    specific: dict[str, dict[str, str]]  # "audit.runs" → column name → meaning

    def describe(self, table: str, column: str) -> str | None:
        return self.specific.get(table, {}).get(column) or self.shared.get(column)


class _ColumnsEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMeaning(_ColumnsEntry):
    """A column's meaning with its unit: `{description: "...", unit: ...}`. Quote a
    description with a comma: in a flow mapping, a comma ends it and starts a new key."""

    description: str = Field(min_length=1)
    unit: str | None = None


Meaning = Annotated[str, Field(min_length=1)] | ColumnMeaning


class TableMeaning(_ColumnsEntry):
    description: str = Field(min_length=1)
    columns: dict[str, Meaning] = Field(default_factory=dict)


class ColumnsFile(_ColumnsEntry):
    """catalogue/columns.yaml (its header says what each key means)."""

    columns: dict[str, Meaning]
    tables: dict[str, TableMeaning]


def load_column_catalogue(settings: Settings) -> ColumnCatalogue:
    path = settings.catalogue_dir / COLUMNS_YAML_NAME
    try:
        data = ColumnsFile.model_validate(read_yaml_mapping(path))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in error["loc"])
        raise CatalogueError(
            f"{path}: key {key!r}: {error['msg']} (found {error.get('input')!r}); a description"
            " with a comma in a {description: ..., unit: ...} mapping must be quoted"
            if error["type"] == "extra_forbidden"
            else f"{path}: key {key!r}: {error['msg']} (found {error.get('input')!r})"
        ) from None
    return ColumnCatalogue(
        tables={name: " ".join(t.description.split()) for name, t in data.tables.items()},
        shared={name: describe_column(c) for name, c in data.columns.items()},
        specific={
            name: {col: describe_column(c) for col, c in t.columns.items()}
            for name, t in data.tables.items()
        },
    )


def describe_column(entry: str | ColumnMeaning) -> str:
    """'meaning (unit: markets)': an entry is a string or {description, unit}."""
    if isinstance(entry, ColumnMeaning):
        text = " ".join(entry.description.split())
        return f"{text} (unit: {entry.unit})" if entry.unit else text
    return " ".join(entry.split())


def apply_comments(con: duckdb.DuckDBPyConnection, catalogue: ColumnCatalogue) -> tuple[str, ...]:
    """COMMENT ON every published table and column; returns the columns with no meaning."""
    columns = con.execute(
        """
        select schema_name || '.' || table_name, column_name
        from duckdb_columns()
        where database_name = current_database() and not internal
            and schema_name in ('curated', 'audit', 'quarantine')
        order by schema_name, table_name, column_index
        """
    ).fetchall()
    undocumented = []
    # One transaction: committed one by one, the ~160 comments took 0.5 s, together 0.08 s.
    con.begin()
    for table in sorted({table for table, _ in columns}):
        if table in catalogue.tables:
            con.execute(f"comment on table {table} is {sql_string(catalogue.tables[table])}")
    for table, column in columns:
        meaning = catalogue.describe(table, column)
        if meaning is None:
            undocumented.append(f"{table}.{column}")
            continue
        con.execute(f'comment on column {table}."{column}" is {sql_string(meaning)}')
    con.commit()
    return tuple(undocumented)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- Parquet copies --------------------------------------------------------------------------


def export_parquet(database: Path, target: Path) -> None:
    """Copy every published table to <target>/<schema>/<table>.parquet."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            """
            select schema_name, table_name from duckdb_tables()
            where database_name = current_database() order by 1, 2
            """
        ).fetchall()
        for schema, table in tables:
            (target / schema).mkdir(parents=True, exist_ok=True)
            path = target / schema / f"{table}.parquet"
            con.execute(f"copy {schema}.{table} to {sql_string(str(path))} (format parquet)")
            pause_point("exporting")
    finally:
        con.close()


# --- the pointer and the versions ----------------------------------------------------------


def swap_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` (relative to its directory) in one atomic rename."""
    staged = link.with_name(f".{link.name}.{os.getpid()}.link")
    staged.unlink(missing_ok=True)
    os.symlink(target, staged)
    os.replace(staged, link)
    sync_dir(link.parent)


def make_stable_links(curated_dir: Path) -> None:
    """data/curated/{factledger.duckdb,parquet,report} → current/…, where not yet so. A file
    or directory there from the layout before publications/ is replaced by its link."""
    for name in STABLE_NAMES:
        link = curated_dir / name
        target = f"{CURRENT_LINK}/{name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        swap_symlink(link, target)
    for legacy in curated_dir.glob(".parquet.*"):  # versions of the layout before publications/
        shutil.rmtree(legacy, ignore_errors=True)


def published_versions(curated_dir: Path) -> list[str]:
    """Version directories, oldest first."""
    versions = curated_dir / PUBLICATIONS_DIR
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if p.is_dir() and not p.is_symlink())


def prune_versions(curated_dir: Path, keep: int) -> list[str]:
    """Remove versions older than the `keep` newest up to the current one (which include the
    previous one, which a reader may have opened before the swap). Returns the names removed."""
    current = current_version(curated_dir)
    if current is None:
        return []
    live = [v for v in published_versions(curated_dir) if v <= current]
    removed = live[: max(0, len(live) - max(keep, 2))]
    for name in removed:
        shutil.rmtree(curated_dir / PUBLICATIONS_DIR / name, ignore_errors=True)
    return removed


def remove_unpublished_versions(curated_dir: Path) -> list[str]:
    """Versions newer than the current one never went live (a build or report that died, or
    failed): remove them, and staged links. Call with the publish lock held."""
    current = current_version(curated_dir) or ""
    dead = [v for v in published_versions(curated_dir) if v > current]
    for name in dead:
        shutil.rmtree(curated_dir / PUBLICATIONS_DIR / name, ignore_errors=True)
    for staged in curated_dir.glob(".*.link"):
        if staged.is_symlink():
            staged.unlink()
    return dead


# --- crash safety -------------------------------------------------------------------------


@contextmanager
def publish_lock(curated_dir: Path) -> Iterator[None]:
    """One publisher at a time; the kernel releases the lock if the process dies."""
    with (curated_dir / ".publish.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_dir(path: Path) -> None:
    """Make a rename durable: fsync the directory that holds it."""
    sync_file(path)
